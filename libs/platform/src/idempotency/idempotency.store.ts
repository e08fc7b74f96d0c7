import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { createHash, randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, SUBJECTS } from '#contracts';
import { assertConnected, decodeJson, encodeJson, isConcurrencyError, openIdempotencyBucket } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '../tokens';
import type { IdSource } from './id-source';

interface IdempotencyRecord {
  state: 'pending' | 'completed' | 'retryable';
  fingerprint: string;
  startedAt: number;
  /** The process working on it (absent in records of older gateways: those wait out the time). */
  owner?: string;
  reserved: Record<string, unknown>;
  response?: { status: number; body: unknown };
}

export type IdempotencyStart =
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'proceed'; handle: IdempotencyHandle };

/** One request's claim on a key: reserves ids and records the final response (compare-and-set). */
export class IdempotencyHandle implements IdSource {
  constructor(
    private readonly kv: KV,
    private readonly key: string,
    private record: IdempotencyRecord,
    private revision: number,
    /** Called once the request ends, however its record write went. */
    private readonly settled: () => void = () => undefined,
  ) {}

  async reserve<T>(name: string, produce: () => T | Promise<T>): Promise<T> {
    if (name in this.record.reserved) return this.record.reserved[name] as T;
    const value = await produce();
    await this.write({ ...this.record, reserved: { ...this.record.reserved, [name]: value } });
    return value;
  }

  complete(status: number, body: unknown): Promise<void> {
    return this.write({ ...this.record, state: 'completed', response: { status, body } }).finally(this.settled);
  }

  /** The outcome is unknown (5xx): a retry with the same key may run again, with the same ids. */
  release(): Promise<void> {
    return this.write({ ...this.record, state: 'retryable' }).finally(this.settled);
  }

  private async write(record: IdempotencyRecord): Promise<void> {
    try {
      this.revision = await this.kv.update(this.key, encodeJson(record), this.revision);
      this.record = record;
    } catch (error) {
      // Only a lost compare-and-set means someone else holds the key; an outage stays an outage
      // (a 503, after which the key is still retryable), never a 409 recorded as the answer.
      if (isConcurrencyError(error)) throw new DomainError(ErrorCode.IdempotencyInProgress, 'another request with this Idempotency-Key took over');
      throw error;
    }
  }
}

/**
 * Idempotency-Key records in a JetStream KV bucket (24 h TTL), scoped to the caller. A pending
 * record names the process working on it, which answers on its owner subject while it lives: a
 * retry after that process crashed takes over at once (no responders) instead of waiting out the
 * abandonment time.
 */
@Injectable()
export class IdempotencyStore implements OnModuleInit, OnModuleDestroy {
  private kv!: KV;
  private readonly ownerId = randomUUID();
  /** Keys this process is working on now: one of its own records not among them was left behind. */
  private readonly working = new Set<string>();
  private presence: Subscription | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: { STREAM_REPLICAS: number; COMMAND_TIMEOUT_MS: number; PROJECTION_WAIT_MS: number },
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kv = await openIdempotencyBucket(this.nc, this.config.STREAM_REPLICAS);
    this.presence = this.nc.subscribe(SUBJECTS.idempotencyOwner(this.ownerId), { callback: (_error, msg) => void msg.respond() });
  }

  onModuleDestroy(): void {
    this.presence?.unsubscribe();
  }

  /** `caller`: who asks (the same key of another caller is another record). */
  async begin(caller: string, idempotencyKey: string, fingerprint: string): Promise<IdempotencyStart> {
    assertConnected(this.nc);
    const key = createHash('sha256').update(`${caller}\n${idempotencyKey}`).digest('hex');
    const fresh: IdempotencyRecord = { state: 'pending', fingerprint, startedAt: Date.now(), owner: this.ownerId, reserved: {} };
    try {
      const revision = await this.kv.create(key, encodeJson(fresh));
      return { kind: 'proceed', handle: this.handle(key, fresh, revision) };
    } catch (error) {
      // The key exists: replay, refuse, or take over a retryable/abandoned attempt.
      if (!isConcurrencyError(error)) throw error;
    }
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') return this.begin(caller, idempotencyKey, fingerprint);
    const existing = decodeJson<IdempotencyRecord>(entry.value);
    if (existing.fingerprint !== fingerprint)
      throw new DomainError(ErrorCode.IdempotencyKeyReused, 'this Idempotency-Key was used with a different request');
    if (existing.state === 'completed' && existing.response)
      return { kind: 'replay', status: existing.response.status, body: existing.response.body };
    const abandonedAfter = this.config.COMMAND_TIMEOUT_MS + this.config.PROJECTION_WAIT_MS + 5_000;
    if (existing.state === 'pending' && Date.now() - existing.startedAt < abandonedAfter && (await this.ownerAlive(existing.owner, key)))
      throw new DomainError(ErrorCode.IdempotencyInProgress, 'a request with this Idempotency-Key is still in progress');
    const takeover: IdempotencyRecord = { ...existing, state: 'pending', startedAt: Date.now(), owner: this.ownerId };
    try {
      const revision = await this.kv.update(key, encodeJson(takeover), entry.revision);
      return { kind: 'proceed', handle: this.handle(key, takeover, revision) };
    } catch (error) {
      if (isConcurrencyError(error)) throw new DomainError(ErrorCode.IdempotencyInProgress, 'a request with this Idempotency-Key is still in progress');
      throw error;
    }
  }

  private handle(key: string, record: IdempotencyRecord, revision: number): IdempotencyHandle {
    this.working.add(key);
    return new IdempotencyHandle(this.kv, key, record, revision, () => this.working.delete(key));
  }

  /**
   * Whether the process named may still be working on its request (unknown counts as alive). This
   * process knows: a record of its own that it is not working on was left by a request whose last
   * write failed (the bus went away mid-request).
   */
  private async ownerAlive(owner: string | undefined, key: string): Promise<boolean> {
    if (owner === this.ownerId) return this.working.has(key);
    if (owner === undefined) return true;
    try {
      await this.nc.request(SUBJECTS.idempotencyOwner(owner), undefined, { timeout: 500 });
      return true;
    } catch (error) {
      return !(error instanceof Error && (error.name === 'NoResponders' || (error as { isNoResponders?: () => boolean }).isNoResponders?.() === true));
    }
  }
}
