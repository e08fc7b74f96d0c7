import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { STREAMS, SUBJECTS, type ApiKeyEvent, type ApiKeySnapshot } from '#contracts';
import { evolveApiKey } from '#domain';
import { LiveConsumer, decodeEvents } from '#messaging';
import { JETSTREAM, LOGGER, NATS_CONNECTION } from '../tokens';

/** API keys are `rsk_` and 43 base64url characters (32 random bytes). */
export const API_KEY_PREFIX = 'rsk_';
export const isApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);
/** Keys carry 256 random bits, so a plain SHA-256 is what they are stored and looked up by. */
export const hashApiKey = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Every API key, folded from the log in memory: a JetStream ordered consumer of `keys.events.>`
 * from the first event, then live. A revocation reaches every replica as soon as it is appended
 * (milliseconds), not after a cache expires. The service is ready only once it has caught up.
 */
@Injectable()
export class ApiKeyDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly byId = new Map<string, ApiKeySnapshot>();
  private readonly byHash = new Map<string, ApiKeySnapshot>();
  private readonly revocationListeners = new Set<(keyId: string) => void>();
  private feed: LiveConsumer | null = null;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    const open = async (lastSeq: number) => {
      const consumer = await this.js.consumers.get(STREAMS.events, {
        filter_subjects: SUBJECTS.allApiKeyEvents,
        ...(lastSeq === 0 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }),
      });
      if (lastSeq === 0 && (await consumer.info()).num_pending === 0) caughtUp();
      return consumer.consume({ max_messages: 256 });
    };
    // Reopened after a reconnect or a leader election: a revocation must not wait ~30 s for nats.js' own recovery.
    this.feed = await LiveConsumer.start({
      nc: this.nc,
      ordered: true,
      open,
      onMessage: (msg) => {
        for (const event of decodeEvents<ApiKeyEvent>(msg.data)) this.apply(event);
        if (msg.info.pending === 0) caughtUp();
      },
    });
    await ready;
    this.logger.info({ keys: this.byId.size }, 'API keys loaded');
  }

  onApplicationShutdown(): void {
    void this.feed?.close().catch(() => undefined);
  }

  /** The live key with this secret, or null (unknown or revoked). */
  find(secret: string): ApiKeySnapshot | null {
    const key = this.byHash.get(hashApiKey(secret));
    return key && key.revokedAt === null ? key : null;
  }

  /** Calls `listener` with a key's id when it is revoked (open streams using it end). Returns the unsubscribe. */
  onRevoked(listener: (keyId: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  private apply(event: ApiKeyEvent): void {
    const id = event.metadata.streamId;
    const before = this.byId.get(id) ?? null;
    const next = evolveApiKey(before, event);
    if (!next) return;
    this.byId.set(id, next);
    this.byHash.set(next.secretHash, next);
    if (before !== null && before.revokedAt === null && next.revokedAt !== null)
      for (const listener of this.revocationListeners) listener(id);
  }
}
