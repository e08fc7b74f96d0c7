import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { STREAMS, SUBJECTS, type RunEvent } from '#contracts';
import { EventStore, LiveConsumer, decodeEvents } from '#messaging';
import { JETSTREAM, LOGGER, NATS_CONNECTION } from '#platform';

export type FeedListener = (event: RunEvent) => void;

interface Feed {
  listeners: Set<FeedListener>;
  consumer: Promise<LiveConsumer>;
}

/**
 * Live events, one JetStream ordered consumer per run however many streams watch it, decoded once.
 * JetStream, not a core subscription: a core subscriber on the subject would also see appends that
 * lost their expected-sequence check and were never stored.
 */
@Injectable()
export class RunFeeds implements OnApplicationShutdown {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly store: EventStore,
  ) {}

  /**
   * Adds a listener. Events stored after this resolves reach it; the caller reads anything older
   * from the log (and drops duplicates by sequence).
   */
  async listen(runId: string, listener: FeedListener): Promise<() => void> {
    let feed = this.feeds.get(runId);
    if (!feed) {
      const created: Feed = { listeners: new Set(), consumer: this.open(runId, (event) => created.listeners.forEach((l) => l(event))) };
      feed = created;
      this.feeds.set(runId, feed);
    }
    feed.listeners.add(listener);
    const current = feed;
    try {
      await current.consumer;
    } catch (error) {
      this.drop(runId, current);
      throw error;
    }
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0) this.drop(runId, current);
    };
  }

  get size(): number {
    return this.feeds.size;
  }

  onApplicationShutdown(): void {
    for (const [runId, feed] of this.feeds) this.drop(runId, feed);
  }

  private async open(runId: string, emit: FeedListener): Promise<LiveConsumer> {
    const subject = SUBJECTS.runEvents(runId);
    // Start right after the subject's current end: earlier events are the listeners' history.
    const start = (await this.store.lastStreamSeq(subject)) + 1;
    return LiveConsumer.start({
      nc: this.nc,
      ordered: true,
      // After a reconnect: right after the last event taken.
      open: async (lastSeq) =>
        (
          await this.js.consumers.get(STREAMS.events, {
            filter_subjects: subject,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: lastSeq === 0 ? start : lastSeq + 1,
          })
        ).consume({ max_messages: 256 }),
      onMessage: (msg) => {
        for (const event of decodeEvents<RunEvent>(msg.data)) emit(event);
      },
      onReopenError: (error) => this.logger.warn({ err: error, runId }, 'live feed not reopened yet; trying again'),
    });
  }

  private drop(runId: string, feed: Feed): void {
    if (this.feeds.get(runId) === feed) this.feeds.delete(runId);
    void feed.consumer.then((c) => c.close()).catch(() => undefined);
  }
}
