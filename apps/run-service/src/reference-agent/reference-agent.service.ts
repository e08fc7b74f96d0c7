import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunReporter } from '#agent-sdk';
import { CONSUMERS, DomainError, STREAMS, SUBJECTS, type RunEvent } from '#contracts';
import { EventStore, decodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER } from '#platform';
import type { RunServiceConfig } from '../config';
import { tripPlannerScript } from './trip-planner.script';

/**
 * Built-in stand-in for agent workers: executes attempts of the agents it is configured for and
 * reports through the agent SDK's RunReporter, exactly as a worker process does (its own cache,
 * its own appends). The attempt's event stays unacked while it works, so after a crash it is
 * redelivered and resumed: step command ids are deterministic, so steps already applied are
 * answered from the log, not repeated.
 */
@Injectable()
export class ReferenceAgentService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly agents: Set<string>;
  private readonly reporter: RunReporter;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    store: EventStore,
  ) {
    this.agents = new Set(config.REFERENCE_AGENT_NAMES.split(',').map((s) => s.trim()).filter(Boolean));
    this.reporter = new RunReporter(store, { openBatchGraceMs: 2 * config.COMMAND_ACK_WAIT_MS });
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureDurable(this.jsm, STREAMS.events, {
      durable_name: CONSUMERS.referenceAgent,
      filter_subject: SUBJECTS.allRunEvents,
      ack_wait: nanos(10_000),
      max_ack_pending: 10_000,
      max_deliver: -1,
    });
    const consumer = await this.js.consumers.get(STREAMS.events, CONSUMERS.referenceAgent);
    const messages = await consumer.consume({ max_messages: 256 });
    this.messages = messages;
    this.loop = (async () => {
      for await (const msg of messages) this.receive(msg);
    })();
    this.logger.info({ agents: [...this.agents] }, 'reference agent ready');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await Promise.allSettled([...this.running]);
  }

  private receive(msg: JsMsg): void {
    const event = decodeJson<RunEvent>(msg.data);
    if ((event.type !== 'RunStarted' && event.type !== 'RunRetried') || !this.agents.has(event.data.agent)) {
      msg.ack();
      return;
    }
    const task = this.execute(event.metadata.streamId, event.data.attempt, event.data.triggerMessage, event.data.agent, msg);
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  private async execute(runId: string, attempt: number, triggerMessage: string, agent: string, msg: JsMsg): Promise<void> {
    const steps = tripPlannerScript(triggerMessage, attempt);
    try {
      for (const [index, step] of steps.entries()) {
        await sleep(this.config.REFERENCE_AGENT_STEP_MS, undefined, { signal: this.abort.signal });
        msg.working();
        await this.reporter.report({
          runId,
          attempt,
          reports: step.reports,
          commandId: `${runId}:attempt-${attempt}:step-${index}`,
          agent,
        });
      }
      msg.ack();
    } catch (error) {
      if (this.abort.signal.aborted) return; // shutting down: leave it unacked for redelivery
      if (error instanceof DomainError) {
        // The run moved on (cancelled, retried, finished): this attempt is over.
        this.logger.info({ runId, attempt, code: error.code }, 'reference agent stops: run moved on');
        msg.ack();
        return;
      }
      this.logger.warn({ err: error, runId, attempt }, 'reference agent step failed; will resume');
      msg.nak(1_000);
    }
  }
}
