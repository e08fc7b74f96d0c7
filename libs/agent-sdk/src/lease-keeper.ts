import type { KV } from '@nats-io/kv';
import { encodeJson } from '#messaging';
import type { LeaseRecord } from '#contracts';
import type { SdkLogger } from './types';

interface Held {
  attempt: number;
  revision: number | null;
}

/**
 * Renews a lease per held run in RUNSTREAM_LEASES every `renewMs`. Renewals and the final delete
 * are compare-and-set on the revision this worker wrote last, so a worker that lost a run (the
 * monitor redispatched it and a new holder wrote the key) never overwrites or deletes the new lease.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kv: KV,
    private readonly workerId: string,
    private readonly renewMs: number,
    private readonly logger: SdkLogger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.renewAll(), this.renewMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async hold(runId: string, attempt: number): Promise<void> {
    const held: Held = { attempt, revision: null };
    this.held.set(runId, held);
    await this.renew(runId, held);
  }

  /** Drops the lease of that attempt only: a later attempt of the run on this worker keeps its own. */
  async release(runId: string, attempt: number): Promise<void> {
    const held = this.held.get(runId);
    if (held?.attempt !== attempt) return;
    this.held.delete(runId);
    if (held?.revision == null) return;
    await this.kv.delete(runId, { previousSeq: held.revision }).catch(() => undefined);
  }

  private async renewAll(): Promise<void> {
    await Promise.all([...this.held].map(([runId, held]) => this.renew(runId, held)));
  }

  private async renew(runId: string, held: Held): Promise<void> {
    const record: LeaseRecord = { runId, attempt: held.attempt, workerId: this.workerId, renewedAt: new Date().toISOString() };
    try {
      held.revision = await this.kv.put(
        runId,
        encodeJson(record),
        held.revision === null ? undefined : { previousSeq: held.revision },
      );
    } catch (error) {
      // Someone else wrote the key (a new attempt's holder: every later renewal fails too, and the
      // run's log aborts this attempt) or NATS is away (the next renewal succeeds).
      this.logger.warn({ err: error, runId, attempt: held.attempt }, 'lease renewal failed');
    }
  }
}
