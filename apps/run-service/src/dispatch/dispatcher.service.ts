import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CONSUMERS, HEADERS, STREAMS, SUBJECTS, type RunEvent, type WorkItem } from '#contracts';
import { AckedPublisher, decodeJson, encodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER, NATS_CONNECTION } from '#platform';
import type { RunServiceConfig } from '../config';

/** Events that begin an attempt, and so put a work item on the agent's queue. */
const ATTEMPT_STARTS = new Set(['RunStarted', 'RunRetried', 'RunRedispatched']);

/**
 * Turns attempt-starting events into work items, from the log: a crash between append and dispatch
 * only delays the item (the event is redelivered), and the item's msgID `<run>:<attempt>` makes the
 * redelivered one a duplicate JetStream drops. Items are published concurrently and each event is
 * acked once its item is stored, so one slow publish does not hold up the next run's dispatch.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly publisher: AckedPublisher;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
  ) {
    this.publisher = new AckedPublisher(nc, 10_000);
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureDurable(this.jsm, STREAMS.events, {
      durable_name: CONSUMERS.dispatcher,
      filter_subject: SUBJECTS.allRunEvents,
      ack_wait: nanos(this.config.DISPATCH_ACK_WAIT_MS),
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
    const consumer = await this.js.consumers.get(STREAMS.events, CONSUMERS.dispatcher);
    const messages = await consumer.consume({ max_messages: 1_000 });
    this.messages = messages;
    this.loop = (async () => {
      for await (const msg of messages) this.receive(msg);
    })();
    this.logger.info('dispatching attempts to agent work queues');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    this.publisher.close();
  }

  private receive(msg: JsMsg): void {
    if (!ATTEMPT_STARTS.has(msg.headers?.get(HEADERS.eventType) ?? '')) {
      msg.ack();
      return;
    }
    const task = this.dispatch(msg);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async dispatch(msg: JsMsg): Promise<void> {
    const event = decodeJson<RunEvent>(msg.data);
    if (event.type !== 'RunStarted' && event.type !== 'RunRetried' && event.type !== 'RunRedispatched') {
      msg.ack();
      return;
    }
    const runId = event.metadata.streamId;
    const { attempt, agent, snapshotRevision, triggerMessage } = event.data;
    const item: WorkItem = {
      runId,
      attempt,
      agent,
      snapshotRevision,
      triggerMessage,
      eventStreamSeq: msg.info.streamSequence,
      dispatchedAt: new Date().toISOString(),
    };
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `${runId}:${attempt}`);
    try {
      await this.publisher.publish(SUBJECTS.work(agent), encodeJson(item), h);
      msg.ack();
    } catch (error) {
      this.logger.warn({ err: error, runId, attempt, agent }, 'dispatch failed; will retry');
      msg.nak(500);
    }
  }
}
