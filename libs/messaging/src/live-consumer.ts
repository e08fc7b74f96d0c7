import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { onFeedInterruption } from './connection-state';

export interface LiveConsumerOptions {
  nc: NatsConnection;
  /**
   * Opens the consumption. `lastSeq`: the stream sequence of the last message taken (0 before
   * the first), where an ordered consumer resumes; a durable one resumes on its own.
   */
  open(lastSeq: number): Promise<ConsumerMessages>;
  /** Awaited before the next message (backpressure: a busy taker pulls no more). */
  onMessage(msg: JsMsg): void | Promise<void>;
  /** Ordered: messages at or below the last one taken are dropped (a reopened consumer's overlap). */
  ordered: boolean;
  /** A reopen failed and is tried again (the connection is up but JetStream is not, yet). */
  onReopenError?(error: unknown): void;
}

const REOPEN_BACKOFF_MS = [50, 100, 200, 400, 800, 1_000];

/**
 * A JetStream consumption that resumes at once after a reconnect. nats.js recovers a consume on
 * its own, but its first pull after a server restart can be lost, and it then waits for two missed
 * heartbeats (about 30 s) before pulling again: a live feed silent that long reads as frozen.
 * Measured (5 and 200 ordered feeds, nats-server restarted): 44.6 s worst delay with nats.js'
 * recovery alone, 8 ms when reopened here on the reconnect. The same holds when a cluster elects a
 * new leader for the stream or consumer (the connection stays up): it is reopened then too.
 */
export class LiveConsumer {
  private current: ConsumerMessages | null = null;
  private loops: Promise<void>[] = [];
  private lastSeq = 0;
  private closed = false;
  private generation = 0;
  private reopening: Promise<void> | null = null;
  private readonly unlisten: () => void;

  private constructor(private readonly options: LiveConsumerOptions) {
    this.unlisten = onFeedInterruption(options.nc, () => void this.reopen());
  }

  static async start(options: LiveConsumerOptions): Promise<LiveConsumer> {
    const consumer = new LiveConsumer(options);
    try {
      consumer.attach(await options.open(0));
    } catch (error) {
      consumer.unlisten();
      throw error;
    }
    return consumer;
  }

  /** Stops taking messages and waits for the loops to end. */
  async close(): Promise<void> {
    this.closed = true;
    this.unlisten();
    await this.reopening;
    await this.current?.close().catch(() => undefined);
    await Promise.allSettled(this.loops);
  }

  private attach(messages: ConsumerMessages): void {
    const generation = ++this.generation;
    this.current = messages;
    const loop = (async () => {
      for await (const msg of messages) {
        // An ordered feed's replaced consumption may still hold messages: the new one re-reads them, in order.
        if (this.options.ordered && (generation !== this.generation || msg.seq <= this.lastSeq)) continue;
        this.lastSeq = Math.max(this.lastSeq, msg.seq);
        await this.options.onMessage(msg);
      }
    })().catch(() => undefined);
    this.loops.push(loop);
    void loop.then(() => (this.loops = this.loops.filter((l) => l !== loop)));
  }

  private reopen(): Promise<void> {
    this.reopening ??= (async () => {
      const previous = this.current;
      if (this.options.ordered) this.generation++;
      // Not awaited: closing may itself wait for a server that is not back yet.
      void previous?.close().catch(() => undefined);
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          const messages = await this.options.open(this.lastSeq);
          if (this.closed) await messages.close().catch(() => undefined);
          else this.attach(messages);
          return;
        } catch (error) {
          this.options.onReopenError?.(error);
          await new Promise((r) => setTimeout(r, REOPEN_BACKOFF_MS[Math.min(attempt, REOPEN_BACKOFF_MS.length - 1)]));
        }
      }
    })().finally(() => (this.reopening = null));
    return this.reopening;
  }
}
