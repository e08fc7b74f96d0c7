import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CONSUMERS, HEADERS, STREAMS, SUBJECTS, type RunCompleted, type RunEvent } from '#contracts';
import { decodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER } from '#platform';
import { CommandHandlers } from '../commands/command-handlers';
import type { RunServiceConfig } from '../config';
import { CumulativeAcks } from '../dispatch/cumulative-acks';

/**
 * Records a completed run's answer in its thread's conversation as the assistant's message, so
 * the thread's next run continues it (seed 003). From the log: a crash between the completion and
 * the message only delays it, and the command id `answer:<run>:<attempt>` applies it once.
 */
@Injectable()
export class ConversationRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly acks = new CumulativeAcks<JsMsg>();
  private flusher: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    private readonly handlers: CommandHandlers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureDurable(this.jsm, STREAMS.events, {
      durable_name: CONSUMERS.conversations,
      filter_subject: SUBJECTS.allRunEvents,
      ack_policy: AckPolicy.All,
      ack_wait: nanos(this.config.DISPATCH_ACK_WAIT_MS),
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
    const messages = await (await this.js.consumers.get(STREAMS.events, CONSUMERS.conversations)).consume({ max_messages: 1_000 });
    this.messages = messages;
    this.running = true;
    this.flusher = setInterval(() => this.acks.flush(), 50);
    this.loop = (async () => {
      for await (const msg of messages) this.receive(msg);
    })();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    if (this.flusher) clearInterval(this.flusher);
    this.acks.flush();
  }

  private receive(msg: JsMsg): void {
    if (msg.headers?.get(HEADERS.eventType) !== 'RunCompleted') return this.acks.done(msg);
    this.acks.begin(msg);
    const task = this.record(decodeJson<RunEvent>(msg.data) as RunCompleted).then(() => this.acks.done(msg));
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async record(completed: RunCompleted): Promise<void> {
    const runId = completed.metadata.streamId;
    const { attempt } = completed.data;
    // Retried, not nak'ed: a later cumulative ack would cover a nak'ed event; stopping leaves it
    // unacked for another replica.
    while (this.running) {
      try {
        const run = await this.handlers.runState(runId);
        if (!run || run.threadId === null || run.answer?.attempt !== attempt) return;
        const outcome = await this.handlers.handle({
          kind: 'thread',
          command: {
            type: 'AppendThreadMessage',
            data: { threadId: run.threadId, messageId: `${runId}:${attempt}`, role: 'assistant', content: run.answer.content, runId },
            metadata: {
              commandId: `answer:${runId}:${attempt}`,
              correlationId: completed.metadata.correlationId,
              actor: { kind: 'system', id: 'conversations' },
              issuedAt: new Date().toISOString(),
            },
          },
        });
        if (outcome.kind === 'retry') {
          await sleep(outcome.delayMs);
          continue;
        }
        if (outcome.kind === 'answered' && !outcome.reply.ok)
          this.logger.warn({ runId, attempt, code: outcome.reply.error.code }, 'answer not recorded in the thread');
        return;
      } catch (error) {
        this.logger.warn({ err: error, runId, attempt }, 'recording the answer failed; retrying');
        await sleep(500);
      }
    }
  }
}
