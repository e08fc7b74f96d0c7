import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import {
  ATTEMPT_START_EVENT_TYPES,
  CONSUMERS,
  HEADERS,
  STREAMS,
  SUBJECTS,
  attemptAgentOf,
  isAttemptStart,
  type RunEvent,
  type RunEventType,
  type WorkItem,
} from '#contracts';
import { AckedPublisher, decodeJson, encodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER, NATS_CONNECTION } from '#platform';
import type { RunServiceConfig } from '../config';
import { CumulativeAcks } from './cumulative-acks';

/**
 * Turns attempt-starting events into work items, from the log: a crash between append and dispatch
 * only delays the item (the event is redelivered), and the item's msgID `<run>:<attempt>` makes the
 * redelivered one a duplicate JetStream drops. Items are published concurrently, so one slow
 * publish does not hold up the next run's dispatch. It reads every event but acts on few: acks
 * are cumulative (AckPolicy.All), one per batch rather than one per event, and never pass an event
 * whose item is not yet stored.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly publisher: AckedPublisher;
  private readonly acks = new CumulativeAcks<JsMsg>();
  private flusher: NodeJS.Timeout | null = null;
  private running = false;

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
      ack_policy: AckPolicy.All,
      ack_wait: nanos(this.config.DISPATCH_ACK_WAIT_MS),
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
    const consumer = await this.js.consumers.get(STREAMS.events, CONSUMERS.dispatcher);
    const messages = await consumer.consume({ max_messages: 1_000 });
    this.messages = messages;
    this.running = true;
    this.flusher = setInterval(() => this.acks.flush(), 20);
    this.loop = (async () => {
      for await (const msg of messages) this.receive(msg);
    })();
    this.logger.info('dispatching attempts to agent work queues');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    if (this.flusher) clearInterval(this.flusher);
    this.acks.flush();
    this.publisher.close();
  }

  private receive(msg: JsMsg): void {
    if (!ATTEMPT_START_EVENT_TYPES.includes((msg.headers?.get(HEADERS.eventType) ?? '') as RunEventType)) {
      this.acks.done(msg);
      return;
    }
    this.acks.begin(msg);
    const task = this.dispatch(msg);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async dispatch(msg: JsMsg): Promise<void> {
    const event = decodeJson<RunEvent>(msg.data);
    if (!isAttemptStart(event)) {
      this.acks.done(msg);
      return;
    }
    const runId = event.metadata.streamId;
    const { attempt } = event.data;
    const agent = attemptAgentOf(event);
    const item: WorkItem = {
      runId,
      attempt,
      agent: agent.name,
      version: agent.version,
      eventStreamSeq: msg.info.streamSequence,
      dispatchedAt: new Date().toISOString(),
    };
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `${runId}:${attempt}`);
    // Retried here, not nak'ed: a later cumulative ack would cover a nak'ed event. Stopping
    // leaves it unacked, and it is redelivered to another replica.
    while (this.running) {
      try {
        // An agent version's own queue; runs bound to no version go to every worker of the agent.
        await this.publisher.publish(SUBJECTS.work(agent.name, agent.version), encodeJson(item), h);
        this.acks.done(msg);
        return;
      } catch (error) {
        this.logger.warn({ err: error, runId, attempt, agent: agent.name, version: agent.version }, 'dispatch failed; retrying');
        await sleep(500);
      }
    }
  }
}
