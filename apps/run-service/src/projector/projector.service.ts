import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CONSUMERS, STREAMS, SUBJECTS, aggregateKindOf, type ApiKeyEvent, type RunEvent, type ThreadEvent } from '#contracts';
import { decodeJson, encodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER, NATS_CONNECTION, projectedEventsTotal } from '#platform';
import type { RunServiceConfig } from '../config';
import type { ProjectionItem } from './fold-batch';
import { ProjectionWriter } from './projection-writer';

const MAX_BATCH = 1000;

/**
 * The read model's only writer: a durable consumer of RUN_EVENTS. Whatever arrived while the last
 * batch was being written forms the next batch, so load makes batches larger, not slower.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private messages: ConsumerMessages | null = null;
  private readonly buffer: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private running = false;
  private lastBatchEndedAt = Number.NEGATIVE_INFINITY;
  private lastBatchSize = 0;
  private worker: Promise<void> | null = null;
  private reader: Promise<void> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    private readonly writer: ProjectionWriter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureDurable(this.jsm, STREAMS.events, {
      durable_name: CONSUMERS.projector,
      ack_wait: nanos(this.config.PROJECTOR_ACK_WAIT_MS),
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
    const consumer = await this.js.consumers.get(STREAMS.events, CONSUMERS.projector);
    const messages = await consumer.consume({ max_messages: MAX_BATCH });
    this.messages = messages;
    this.running = true;
    this.reader = (async () => {
      for await (const msg of messages) {
        this.buffer.push(msg);
        this.wake?.();
      }
    })();
    this.worker = this.work();
    this.logger.info('projecting RUN_EVENTS into Postgres');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.messages?.close().catch(() => undefined);
    await this.reader?.catch(() => undefined);
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
    const runs: ProjectionItem<RunEvent>[] = [];
    const threads: ProjectionItem<ThreadEvent>[] = [];
    const keys: ProjectionItem<ApiKeyEvent>[] = [];
    const messageOf = new Map<ProjectionItem, JsMsg>();
    for (const msg of batch) {
      let event: RunEvent | ThreadEvent | ApiKeyEvent;
      try {
        event = decodeJson(msg.data);
      } catch {
        this.logger.error({ seq: msg.seq }, 'undecodable event skipped');
        msg.term();
        continue;
      }
      const kind = aggregateKindOf(msg.subject);
      const item = { event, streamSeq: msg.seq };
      if (kind === 'run') runs.push(item as ProjectionItem<RunEvent>);
      else if (kind === 'thread') threads.push(item as ProjectionItem<ThreadEvent>);
      else if (kind === 'apiKey') keys.push(item as ProjectionItem<ApiKeyEvent>);
      else {
        msg.ack();
        continue;
      }
      messageOf.set(item, msg);
    }
    try {
      const outcome = await this.writer.project(runs, threads, keys);
      for (const [item, msg] of messageOf) {
        const result = outcome.results.get(item);
        if (result === 'gap') msg.nak(200);
        else msg.ack();
        if (result === 'projected') projectedEventsTotal.inc();
      }
      for (const { kind, id, sequence } of outcome.advanced) {
        const subject =
          kind === 'run' ? SUBJECTS.runProjected(id) : kind === 'thread' ? SUBJECTS.threadProjected(Number(id)) : SUBJECTS.apiKeyProjected(id);
        this.nc.publish(subject, encodeJson({ sequence }));
      }
    } catch (error) {
      this.logger.error({ err: error, size: batch.length }, 'projection failed; redelivering');
      for (const msg of messageOf.values()) msg.nak(1_000);
    }
  }
}
