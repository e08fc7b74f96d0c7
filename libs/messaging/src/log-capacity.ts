import type { JetStreamManager } from '@nats-io/jetstream';
import { DomainError, ErrorCode } from '#contracts';

/**
 * A stream's byte or message limit is reached (it discards new messages, so nothing stored is
 * ever dropped). `appended` events of the batch were stored before it filled.
 */
export class StorageFull extends DomainError {
  constructor(
    readonly stream: string,
    readonly appended = 0,
  ) {
    super(ErrorCode.Unavailable, 'Runstream\'s storage is full: nothing was applied; an operator must raise its limits');
    this.name = 'StorageFull';
  }
}

/** JetStream's answer to a publish into a stream at its limits (10077: store failed; 10047: insufficient resources). */
export function isStorageFull(error: unknown): boolean {
  if (error instanceof StorageFull) return true;
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object' || e.name !== 'JetStreamApiError') return false;
  return e.code === 10047 || (e.code === 10077 && /maximum (bytes|messages)( per subject)? exceeded|insufficient resources/i.test(String(e.message)));
}

interface Limits {
  maxBytes: number;
  maxMsgs: number;
  bytes: number;
  msgs: number;
  readAt: number;
}

/** Per-message overhead of JetStream's file store (record header and hash) plus our headers. */
const RECORD_OVERHEAD = 160;
/** How stale the stream's state may be: limits are an operator's setting, so seconds are fine. */
const REFRESH_MS = { limited: 1_000, unlimited: 5_000 };
/** A refusal looks again first when its copy is older than this (at most one look per this long while full). */
const RECHECK_MS = 100;

/**
 * Refuses a batch before any of it is appended when the stream would not have room for all of it,
 * so a full log never leaves a command half-applied. What this process appended since the last
 * look is counted locally (exact with one writer); other writers since then are covered by a
 * reserve of 1% of the limit (at most 1 MiB). A publish the server still refuses is a StorageFull too.
 */
export class LogCapacity {
  private limits: Limits | null = null;
  private refreshing: Promise<void> | null = null;
  private sinceRead = { bytes: 0, msgs: 0 };

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly now: () => number = Date.now,
  ) {}

  static recordSize(subject: string, payloadBytes: number): number {
    return subject.length + payloadBytes + RECORD_OVERHEAD;
  }

  /** Throws StorageFull when `bytes` in `msgs` records would not fit. */
  async admit(bytes: number, msgs: number): Promise<void> {
    let limits = await this.current();
    if (this.fits(limits, bytes, msgs)) return;
    // Refuse on a fresh look only (under RECHECK_MS old): an operator who raised the limit is obeyed within that.
    if (this.now() - limits.readAt > RECHECK_MS) {
      limits = await this.current(true);
      if (this.fits(limits, bytes, msgs)) return;
    }
    throw new StorageFull(this.stream);
  }

  private fits(limits: Limits, bytes: number, msgs: number): boolean {
    if (limits.maxBytes > 0) {
      const reserve = Math.min(1024 * 1024, Math.floor(limits.maxBytes / 100));
      if (limits.bytes + this.sinceRead.bytes + bytes + reserve > limits.maxBytes) return false;
    }
    if (limits.maxMsgs > 0) {
      const reserve = Math.max(1, Math.floor(limits.maxMsgs / 1000));
      if (limits.msgs + this.sinceRead.msgs + msgs + reserve > limits.maxMsgs) return false;
    }
    return true;
  }

  appended(bytes: number): void {
    this.sinceRead.bytes += bytes;
    this.sinceRead.msgs += 1;
  }

  /** The server refused a publish as full: look again before the next batch. */
  refusedAsFull(): void {
    if (this.limits) this.limits.readAt = 0;
  }

  private async current(force = false): Promise<Limits> {
    const limits = force ? null : this.limits;
    const unlimited = limits !== null && limits.maxBytes <= 0 && limits.maxMsgs <= 0;
    const fresh = limits !== null && this.now() - limits.readAt < (unlimited ? REFRESH_MS.unlimited : REFRESH_MS.limited);
    if (fresh) return limits;
    this.refreshing ??= this.read().finally(() => (this.refreshing = null));
    // A stale copy is still good for the batch at hand while the refresh is in flight (unless there is none).
    if (limits !== null && limits.readAt > 0 && unlimited) return limits;
    await this.refreshing;
    return this.limits as Limits;
  }

  private async read(): Promise<void> {
    const before = { ...this.sinceRead };
    const info = await this.jsm.streams.info(this.stream);
    this.limits = {
      maxBytes: info.config.max_bytes,
      maxMsgs: info.config.max_msgs,
      bytes: info.state.bytes,
      msgs: info.state.messages,
      readAt: this.now(),
    };
    // Appends acknowledged while the info was in flight may or may not be in it: keep counting them.
    this.sinceRead = { bytes: this.sinceRead.bytes - before.bytes, msgs: this.sinceRead.msgs - before.msgs };
  }
}
