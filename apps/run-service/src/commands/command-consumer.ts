import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CONSUMERS, ErrorCode, STREAMS, type CommandMetadata } from '#contracts';
import { LiveConsumer, decodeJson, ensureDurable } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, LOGGER, NATS_CONNECTION, commandSeconds, commandsTotal, eventsAppendedTotal } from '#platform';
import type { RunServiceConfig } from '../config';
import type { CommandOutcome } from '#messaging';
import { CommandHandlers } from './command-handlers';
import { parseCommand } from './parse-command';
import { outcomeOfFailure, settleCommand } from './settle-command';

/**
 * Pulls RUN_COMMANDS through the shared durable consumer (any number of replicas) and works on
 * many aggregates at once, one command at a time per aggregate.
 */
@Injectable()
export class CommandConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: LiveConsumer | null = null;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    private readonly handlers: CommandHandlers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureDurable(this.jsm, STREAMS.commands, {
      durable_name: CONSUMERS.runService,
      ack_wait: nanos(this.config.COMMAND_ACK_WAIT_MS),
      max_ack_pending: this.config.COMMAND_MAX_IN_FLIGHT,
      max_deliver: -1,
    });
    const max = Math.min(this.config.COMMAND_MAX_IN_FLIGHT, 512);
    this.consumer = await LiveConsumer.start({
      nc: this.nc,
      ordered: false,
      open: async () => (await this.js.consumers.get(STREAMS.commands, CONSUMERS.runService)).consume({ max_messages: max }),
      onMessage: (msg) => this.schedule(msg),
    });
    this.logger.info('consuming commands');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.close();
    await Promise.allSettled([...this.chains.values()]);
  }

  private schedule(msg: JsMsg): void {
    const key = msg.subject;
    const next = (this.chains.get(key) ?? Promise.resolve()).then(() => this.process(msg));
    this.chains.set(key, next);
    void next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async process(msg: JsMsg): Promise<void> {
    const stopTimer = commandSeconds.startTimer();
    let raw: unknown;
    try {
      raw = decodeJson(msg.data);
    } catch {
      settleCommand(msg, { kind: 'malformed', reason: 'not JSON' }, undefined, this.nc, this.logger);
      return;
    }
    const metadata = (raw as { metadata?: Partial<CommandMetadata> }).metadata;
    const replyTo = typeof metadata?.replyTo === 'string' ? metadata.replyTo : undefined;
    const commandId = typeof metadata?.commandId === 'string' ? metadata.commandId : '';
    const parsed = parseCommand(msg.subject, raw);
    let outcome: CommandOutcome;
    if (typeof parsed === 'string') {
      outcome = {
        kind: 'malformed',
        reason: parsed,
        reply: { ok: false, commandId, error: { code: ErrorCode.ValidationFailed, message: parsed } },
      };
    } else {
      try {
        outcome = await this.handlers.handle(parsed);
      } catch (error) {
        // The correlation id of a command a request sent is that request's trace id.
        this.logger.warn({ err: error, subject: msg.subject, commandId, trace_id: parsed.command.metadata.correlationId }, 'command failed');
        outcome = outcomeOfFailure(error, msg, commandId);
      }
    }
    settleCommand(msg, outcome, replyTo, this.nc, this.logger);
    const type = typeof parsed === 'string' ? 'malformed' : parsed.command.type;
    const result = outcome.kind === 'answered' ? (outcome.reply.ok ? 'applied' : 'refused') : outcome.kind;
    commandsTotal.inc({ type, outcome: result });
    if (outcome.kind === 'answered' && outcome.appended) eventsAppendedTotal.inc(outcome.appended);
    stopTimer();
  }
}
