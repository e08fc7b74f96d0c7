import type { Response } from 'express';
import { isTerminalStatus, type RunEvent, type RunSnapshot } from '#contracts';
import { travelmodeEvent } from '#dialects';
import { evolveRun } from '#domain';
import type { StoredEvent } from '#messaging';

export interface SessionDeps {
  /** Events with sequence > `after`, from JetStream. */
  history(after: number): Promise<StoredEvent<RunEvent>[]>;
  /** Starts live delivery; resolves once nothing published afterwards can be missed. */
  listen(onEvent: (event: RunEvent) => void): Promise<() => void>;
  retryMs: number;
  maxBufferedBytes: number;
  onClosed(session: SseSession): void;
}

const frame = (data: unknown, id?: number) => `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;

/** A run_event frame is the same for every stream of the run: build it once per event. */
const eventFrames = new WeakMap<RunEvent, string>();
function eventFrame(event: RunEvent): string {
  let text = eventFrames.get(event);
  if (text === undefined) {
    const { sequence, createdAt } = event.metadata;
    text = frame(
      { type: 'run_event', event: travelmodeEvent({ sequence, type: event.type, data: event.data, createdAt }) },
      sequence,
    );
    eventFrames.set(event, text);
  }
  return text;
}

/**
 * One Travelmode SSE stream (seed 002): `connected`, then every event after `since` as `run_event`
 * frames with `id:` = sequence (so a browser reconnects with Last-Event-ID), live events with no
 * gap or duplicate at the switch-over, `status` heartbeats, and `run_finished` once the run ends.
 * Live events that arrive while the past is being read wait in `pending`; a sequence jump in the
 * live feed (a consumer reset) is filled from the log the same way.
 */
export class SseSession {
  private last: number;
  private state: RunSnapshot;
  private pending: RunEvent[] | null = [];
  private closed = false;
  private unlisten: (() => void) | null = null;

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
    this.write(frame({ type: 'connected', runId: this.runId, since: this.last }));
    this.unlisten = await this.deps.listen((event) => this.onLive(event));
    await this.catchUp();
  }

  heartbeat(): void {
    this.write(': ping\n\n');
  }

  status(): void {
    this.write(frame({ type: 'status', status: this.state.status, phase: this.state.phase, lastEventSequence: this.last }));
  }

  /** Ends the stream with an `error` frame; the client resumes from its last sequence. */
  fail(message: string): void {
    if (this.closed) return;
    this.res.write(frame({ type: 'error', error: message, lastEventSequence: this.last }));
    this.end();
  }

  private onLive(event: RunEvent): void {
    if (this.closed) return;
    if (this.pending) this.pending.push(event);
    else this.deliver(event, true);
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
    this.write(eventFrame(event));
    if (live && isTerminalStatus(this.state.status)) this.finish();
  }

  private async catchUp(): Promise<void> {
    this.pending ??= [];
    try {
      for (const { event } of await this.deps.history(this.last)) {
        if (this.closed) return;
        this.deliver(event, false);
      }
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
    this.write(frame({ type: 'run_finished', status: this.state.status, lastEventSequence: this.last }));
    this.end();
  }

  private write(chunk: string): void {
    if (this.closed) return;
    // Frames written in one tick (a replay burst) leave in one write.
    if (!this.res.writableCorked) {
      this.res.cork();
      process.nextTick(() => this.res.uncork());
    }
    this.res.write(chunk);
    // A client that does not read must not grow this process without bound.
    if (this.res.writableLength > this.deps.maxBufferedBytes) this.fail('client too slow; reconnect to resume');
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
