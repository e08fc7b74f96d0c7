import type { Response } from 'express';
import { isTerminalStatus, type RunEvent, type RunSnapshot } from '#contracts';
import type { SseCodec } from '#dialects';
import { evolveRun } from '#domain';
import type { StoredEvent } from '#messaging';

export interface SessionDeps {
  /** The dialect's frames. */
  codec: SseCodec;
  /** The stream position to read after for events past a sequence (from the read model). */
  startAfter(sequence: number): Promise<number>;
  /** Up to `limit` events stored after a stream position. */
  page(after: number, limit: number): Promise<StoredEvent<RunEvent>[]>;
  /** Sequence of the run's last stored event. */
  lastSequence(): Promise<number>;
  /** The run's event clock at a sequence (the read model's; 0 before any event). */
  clockAt(sequence: number): Promise<number>;
  /** Resolves once the read model shows the run at `sequence` (bounded: it may resolve before). */
  projected(sequence: number): Promise<unknown>;
  /**
   * A client resuming after an instant of the run's event clock: events at or before it are
   * read but not sent (the read model that mapped the instant to a sequence may lag the log).
   */
  afterClock?: number;
  /** Starts live delivery; resolves once nothing published afterwards can be missed. */
  listen(onEvent: (event: RunEvent) => void): Promise<() => void>;
  retryMs: number;
  maxBufferedBytes: number;
  /** Live events that may queue while the past is still being sent. */
  maxPendingEvents: number;
  onClosed(session: SseSession): void;
}

/** Events read from the log per page while catching up. */
const PAGE = 500;

/**
 * An event's frame is the same for every stream of the run in one dialect: encoded once per event
 * and codec, so each stream's write only queues the same bytes (null: the dialect shows nothing).
 */
const encoded = new WeakMap<SseCodec, WeakMap<RunEvent, Buffer | null>>();
function eventFrame(codec: SseCodec, event: RunEvent, clock: number): Buffer | null {
  let frames = encoded.get(codec);
  if (!frames) encoded.set(codec, (frames = new WeakMap()));
  let bytes = frames.get(event);
  if (bytes === undefined) {
    const frame = codec.event(event, clock);
    bytes = frame === null ? null : Buffer.from(frame);
    frames.set(event, bytes);
  }
  return bytes;
}

/**
 * One SSE stream in one dialect's frames: what it sends when it opens, then every event after
 * `since` (`id:` = sequence, so a browser reconnects with Last-Event-ID), live events with no gap
 * or duplicate at the switch-over, status heartbeats, and the dialect's end once the run ends.
 * Live events that arrive while the past is being read wait in `pending`; a sequence jump in the
 * live feed (a consumer reset) is filled from the log the same way.
 */
export class SseSession {
  private last: number;
  /** The run's event clock at `last`: every stream computes the same one for an event. */
  private clock = 0;
  private state: RunSnapshot;
  private pending: RunEvent[] | null = [];
  private closed = false;
  private unlisten: (() => void) | null = null;
  /** When the next status frame and heartbeat are due (spread over streams, not all at once). */
  nextStatusAt = 0;
  nextHeartbeatAt = 0;

  constructor(
    private readonly res: Response,
    initial: RunSnapshot,
    since: number,
    private readonly deps: SessionDeps,
  ) {
    this.state = initial;
    this.last = since;
    res.on('close', () => this.close());
  }

  get runId(): string {
    return this.state.id;
  }

  async start(): Promise<void> {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.write(`retry: ${this.deps.retryMs}\n\n`);
    this.writeFrame(this.deps.codec.opened(this.state, this.last));
    this.unlisten = await this.deps.listen((event) => this.onLive(event));
    // A `since` past the log's end would swallow everything to come: nothing newer exists.
    this.last = Math.min(this.last, Math.max(0, await this.deps.lastSequence()));
    this.clock = await this.deps.clockAt(this.last);
    await this.catchUp();
  }

  /** A comment line: keeps proxies from closing a quiet stream. */
  heartbeat(): void {
    this.write(': ping\n\n');
  }

  status(): void {
    this.writeFrame(this.deps.codec.status(this.state, this.last));
  }

  /** Ends the stream with an `error` frame; the client resumes from its last sequence. */
  fail(message: string): void {
    if (this.closed) return;
    const frame = this.deps.codec.error(message, this.last);
    if (frame !== null) this.res.write(frame);
    this.end();
  }

  private onLive(event: RunEvent): void {
    if (this.closed) return;
    if (!this.pending) return this.deliver(event, true);
    this.pending.push(event);
    if (this.pending.length > this.deps.maxPendingEvents) this.fail('client too slow; reconnect to resume');
  }

  private deliver(event: RunEvent, live: boolean): void {
    const sequence = event.metadata.sequence;
    if (sequence <= this.last) return;
    if (sequence > this.last + 1) {
      // A live event skipped ahead: read what is missing from the log first.
      this.pending = [event];
      void this.catchUp();
      return;
    }
    this.state = evolveRun(this.state, event) ?? this.state;
    this.last = sequence;
    this.clock = Math.max(Date.parse(event.metadata.createdAt), this.clock + 1);
    const seen = this.deps.afterClock !== undefined && this.clock <= this.deps.afterClock;
    const frame = seen ? null : eventFrame(this.deps.codec, event, this.clock);
    if (live && isTerminalStatus(this.state.status)) {
      // The end is told once the read model has it too: a client that reads the run when its
      // stream ends sees it ended. Anything live meanwhile waits in `pending`.
      this.pending = [];
      void this.deps
        .projected(sequence)
        .catch(() => undefined)
        .then(() => {
          if (frame !== null) this.write(frame);
          this.finish();
        });
      return;
    }
    if (frame !== null) this.write(frame);
  }

  /**
   * Sends the events after `last` from the log, a page at a time and no faster than the client
   * reads (it waits for 'drain'), so neither a long history nor a slow reader grows memory.
   */
  private async catchUp(): Promise<void> {
    this.pending ??= [];
    try {
      let position = await this.deps.startAfter(this.last);
      for (;;) {
        const page = await this.deps.page(position, PAGE);
        for (const { event, streamSeq } of page) {
          if (this.closed) return;
          this.deliver(event, false);
          position = streamSeq;
          if (this.res.writableNeedDrain) await this.drained();
        }
        if (page.length < PAGE) break;
      }
      if (this.closed) return;
    } catch {
      this.fail('could not read the run events; reconnect to resume');
      return;
    }
    const waiting = this.pending;
    this.pending = null;
    for (let i = 0; i < waiting.length; i++) {
      if (this.closed) return;
      // Another gap started a new catch-up: the rest waits behind it.
      if (this.pending) return void (this.pending as RunEvent[]).push(...waiting.slice(i));
      this.deliver(waiting[i] as RunEvent, true);
    }
    if (!this.closed && !this.pending && isTerminalStatus(this.state.status)) this.finish();
  }

  private finish(): void {
    this.writeFrame(this.deps.codec.finished(this.state, this.last));
    this.end();
  }

  private writeFrame(frame: string | null): void {
    if (frame !== null) this.write(frame);
  }

  private write(chunk: string | Buffer): void {
    if (this.closed) return;
    this.res.write(chunk);
    // A live client that does not read must not grow this process without bound (catching up
    // waits for 'drain' instead).
    if (!this.pending && this.res.writableLength > this.deps.maxBufferedBytes) this.fail('client too slow; reconnect to resume');
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
    // A client that never reads would keep the buffered bytes alive: cut it loose.
    setTimeout(() => this.res.destroy(), 5_000).unref();
    this.release();
  }

  private close(): void {
    if (this.closed && !this.unlisten) return;
    this.closed = true;
    this.release();
  }

  private release(): void {
    this.unlisten?.();
    this.unlisten = null;
    this.pending = null;
    this.deps.onClosed(this);
  }
}
