import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { DomainError, ErrorCode } from '#contracts';
import { encodeJson } from '#messaging';
import type { CommandOutcome } from '#messaging';

const MAX_FAILED_DELIVERIES = 50;

/** The one place that maps outcomes to the command consumer's transport: reply, then ack/nak/term. */
export function settleCommand(
  msg: JsMsg,
  outcome: CommandOutcome,
  replyTo: string | undefined,
  nc: NatsConnection,
  logger: Logger,
): void {
  switch (outcome.kind) {
    case 'answered':
      if (replyTo) nc.publish(replyTo, encodeJson(outcome.reply));
      msg.ack();
      return;
    case 'retry':
      logger.debug({ subject: msg.subject, reason: outcome.reason }, 'command deferred');
      msg.nak(outcome.delayMs);
      return;
    case 'expired':
      logger.info({ subject: msg.subject }, 'command dropped: deadline passed before it was applied');
      msg.term(); // no reason: nats-server before 2.10.4 ignores +TERM with a reason
      return;
    case 'malformed':
      logger.warn({ subject: msg.subject, reason: outcome.reason }, 'malformed command');
      if (replyTo && outcome.reply) nc.publish(replyTo, encodeJson(outcome.reply));
      msg.term();
      return;
    default: {
      const unknownKind: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknownKind)}`);
    }
  }
}

/** An unexpected failure (NATS hiccup, bug): back off and redeliver, and give up after many tries. */
export function outcomeOfFailure(error: unknown, msg: JsMsg, commandId: string): CommandOutcome {
  const deliveries = msg.info.deliveryCount;
  if (deliveries < MAX_FAILED_DELIVERIES)
    return { kind: 'retry', delayMs: Math.min(100 * 2 ** deliveries, 5_000), reason: (error as Error).message };
  const failure = new DomainError(ErrorCode.Internal, 'the command could not be processed');
  return { kind: 'malformed', reason: `failed ${deliveries} times: ${(error as Error).message}`, reply: { ok: false, commandId, error: failure.toBody() } };
}
