import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CONSUMERS, STREAMS, SUBJECTS, aggregateKindOf, type ApiKeyEvent, type RunEvent, type ThreadEvent } from '#contracts';
import { LiveConsumer, decodeEvents, encodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER, NATS_CONNECTION, isOutage, projectedEventsTotal, quarantinedEventsTotal, sqlStateOf } from '#platform';
import type { RunServiceConfig } from '../config';
import type { ProjectionItem } from './fold-batch';
import { ProjectionFaults } from './projection-faults';
import { ProjectionWriter } from './projection-writer';

const MAX_BATCH = 1000;

/**
 * The read model's only writer: a durable consumer of RUN_EVENTS. Whatever arrived while the last
 * batch was being written forms the next batch, so load makes batches larger, not slower.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: LiveConsumer | null = null;
  private readonly buffer: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private running = false;
  private lastBatchEndedAt = Number.NEGATIVE_INFINITY;
  private lastBatchSize = 0;
  private worker: Promise<void> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    private readonly writer: ProjectionWriter,
    private readonly faults: ProjectionFaults,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureDurable(this.jsm, STREAMS.events, {
      durable_name: CONSUMERS.projector,
      ack_wait: nanos(this.config.PROJECTOR_ACK_WAIT_MS),
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
    this.running = true;
    this.consumer = await LiveConsumer.start({
      nc: this.nc,
      ordered: false,
      open: async () => (await this.js.consumers.get(STREAMS.events, CONSUMERS.projector)).consume({ max_messages: MAX_BATCH }),
      onMessage: (msg) => {
        this.buffer.push(msg);
        this.wake?.();
      },
    });
    this.worker = this.work();
    this.logger.info('projecting RUN_EVENTS into Postgres');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.consumer?.close();
    this.wake?.();
    await this.worker;
  }

  private async work(): Promise<void> {
    while (this.running || this.buffer.length > 0) {
      if (this.buffer.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      // A short gather window turns a flood of events into fewer, larger transactions (each
      // commit is a WAL flush). Only under load, i.e. when events arrived faster than the last
      // transaction committed: a lone event (often a client's write waiting to read itself back)
      // is written at once, even if another one was written a moment ago.
      const busy = this.lastBatchSize > 1 && performance.now() - this.lastBatchEndedAt < this.config.PROJECTOR_BATCH_WAIT_MS;
      if (busy && this.buffer.length < MAX_BATCH && this.running)
        await new Promise((resolve) => setTimeout(resolve, this.config.PROJECTOR_BATCH_WAIT_MS));
      const batch = this.buffer.splice(0, MAX_BATCH);
      await this.projectBatch(batch);
      this.lastBatchSize = batch.length;
      this.lastBatchEndedAt = performance.now();
    }
  }

  private async projectBatch(batch: JsMsg[]): Promise<void> {
    const messageOf = new Map<ProjectionItem, JsMsg>();
    const groups = new Map<string, Group>();
    for (const msg of batch) {
      let events: (RunEvent | ThreadEvent | ApiKeyEvent)[];
      try {
        events = decodeEvents(msg.data);
      } catch {
        this.logger.error({ seq: msg.seq }, 'undecodable event skipped');
        msg.term();
        continue;
      }
      const kind = aggregateKindOf(msg.subject);
      if (kind === null) {
        msg.ack();
        continue;
      }
      // A unit's events share its stream sequence (and its aggregate).
      for (const event of events) {
        const item = { event, streamSeq: msg.seq };
        const key = `${kind}:${event.metadata.streamId}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { kind, id: event.metadata.streamId, items: [] }));
        group.items.push(item);
        messageOf.set(item, msg);
      }
    }
    try {
      await this.write([...groups.values()], messageOf);
    } catch (error) {
      // One aggregate at a time: an event that cannot be written must not hold up any other.
      this.logger.warn({ err: error, events: batch.length }, 'projection failed; projecting aggregate by aggregate');
      for (const group of groups.values()) {
        try {
          await this.write([group], messageOf);
        } catch (groupError) {
          await this.failed(group, groupError, messageOf);
        }
      }
    }
  }

  private async write(groups: Group[], messageOf: Map<ProjectionItem, JsMsg>): Promise<void> {
    const of = <E extends RunEvent | ThreadEvent | ApiKeyEvent>(kind: Group['kind']) =>
      groups.filter((g) => g.kind === kind).flatMap((g) => g.items) as ProjectionItem<E>[];
    const outcome = await this.writer.project(of<RunEvent>('run'), of<ThreadEvent>('thread'), of<ApiKeyEvent>('apiKey'));
    // One settlement per message: a unit is redelivered whole if any of its events must be.
    const redeliver = new Map<JsMsg, boolean>();
    for (const group of groups) {
      for (const item of group.items) {
        const msg = messageOf.get(item) as JsMsg;
        const result = outcome.results.get(item);
        let again = false;
        if (result === 'gap') {
          // After a quarantined event its aggregate is no longer projected: its later events are skipped.
          if (await this.faults.has(group.kind, group.id)) quarantinedEventsTotal.inc();
          else again = true;
        }
        if (result === 'projected') projectedEventsTotal.inc();
        redeliver.set(msg, (redeliver.get(msg) ?? false) || again);
      }
    }
    for (const [msg, again] of redeliver) {
      if (again) msg.nak(200);
      else msg.ack();
    }
    for (const { kind, id, sequence } of outcome.advanced) {
      const subject =
        kind === 'run' ? SUBJECTS.runProjected(id) : kind === 'thread' ? SUBJECTS.threadProjected(Number(id)) : SUBJECTS.apiKeyProjected(id);
      this.nc.publish(subject, encodeJson({ sequence }));
    }
  }

  /**
   * An aggregate's events could not be written: offered again (a passing fault heals), and after
   * PROJECTION_MAX_TRIES deliveries quarantined — recorded as a fault, its events acknowledged,
   * logged with ids and the error code only — so the projector moves on.
   */
  private async failed(group: Group, error: unknown, messageOf: Map<ProjectionItem, JsMsg>): Promise<void> {
    const messages = [...new Set(group.items.map((item) => messageOf.get(item) as JsMsg))];
    const code = faultCodeOf(error);
    // A passing fault (Postgres away, a deadlock) is waited out however long it lasts; only one the event itself causes is quarantined.
    const passing = isOutage(error);
    if (passing || Math.max(...messages.map((m) => m.info.deliveryCount)) < this.config.PROJECTION_MAX_TRIES) {
      if (passing) this.logger.warn({ err: error, aggregate: group.kind, id: group.id }, 'projection failed; redelivering');
      for (const msg of messages) msg.nak(1_000);
      return;
    }
    const [first] = [...group.items].sort((a, b) => a.event.metadata.sequence - b.event.metadata.sequence) as [ProjectionItem];
    const fault = { kind: group.kind, id: group.id, sequence: first.event.metadata.sequence, streamSeq: first.streamSeq, eventType: first.event.type, errorCode: code };
    try {
      await this.faults.record(fault);
    } catch (recordError) {
      this.logger.error({ err: recordError, aggregate: group.kind, id: group.id }, 'cannot record the projection fault; redelivering');
      for (const msg of messages) msg.nak(1_000);
      return;
    }
    quarantinedEventsTotal.inc(group.items.length);
    for (const msg of messages) msg.ack();
    this.logger.error(
      { aggregate: group.kind, id: group.id, sequence: fault.sequence, eventType: fault.eventType, code },
      'event quarantined: the projection of this aggregate stopped (the log keeps it; rebuild the read model once fixed)',
    );
  }
}

/** One aggregate's events of a batch. */
interface Group {
  kind: 'run' | 'thread' | 'apiKey';
  id: string;
  items: ProjectionItem[];
}

/** The SQLSTATE of a Postgres error, else the error's name (a code bug in folding, say). */
const faultCodeOf = (error: unknown): string => sqlStateOf(error) ?? (error instanceof Error ? error.name : 'unknown');
