import { headers, nuid, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  DomainError,
  ErrorCode,
  HEADERS,
  STREAMS,
  SUBJECTS,
  type CommandDraft,
  type CommandMetadata,
  type CommandReply,
} from '#contracts';
import { AckedPublisher } from './acked-publisher';
import { StorageFull, isStorageFull } from './log-capacity';
import { decodeJson, encodeJson } from './connection';

/** A command of the union, with the metadata its sender sets (the client adds deadline and reply subject). */
export type OutgoingCommand = CommandDraft & { metadata: Omit<CommandMetadata, 'replyTo' | 'deadline' | 'issuedAt'> };

interface Waiter {
  resolve(reply: CommandReply): void;
  timer: NodeJS.Timeout;
}

/**
 * Sends commands to the RUN_COMMANDS stream and awaits their outcome on this instance's reply
 * subject. A command nobody answers within the timeout fails with UNAVAILABLE; its deadline makes
 * the run-service drop it unapplied if it is picked up later, so "unavailable" means "not applied"
 * (unless a run-service died after storing its events; resending the same command id then answers
 * with the stored outcome).
 */
export class CommandClient {
  private readonly waiters = new Map<string, Waiter>();
  private readonly prefix: string;
  private readonly publisher: AckedPublisher;
  private subscription: Subscription | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.prefix = `${SUBJECTS.replies}.${nuid.next()}`;
    this.publisher = new AckedPublisher(nc, timeoutMs);
  }

  start(): void {
    this.subscription = this.nc.subscribe(`${this.prefix}.*`, {
      callback: (error, msg) => {
        if (error) return;
        const commandId = msg.subject.slice(this.prefix.length + 1);
        const waiter = this.waiters.get(commandId);
        if (!waiter) return;
        this.waiters.delete(commandId);
        clearTimeout(waiter.timer);
        waiter.resolve(decodeJson<CommandReply>(msg.data));
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.drain();
    this.publisher.close();
    for (const [id, waiter] of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve({ ok: false, commandId: id, error: { code: ErrorCode.Unavailable, message: 'shutting down' } });
    }
    this.waiters.clear();
  }

  /** Publishes and resolves with the reply; a refusal rejects with its `DomainError`. */
  async send(subject: string, command: OutgoingCommand, timeoutMs = this.timeoutMs): Promise<CommandReply & { ok: true }> {
    const reply = await this.request(subject, command, timeoutMs);
    if (!reply.ok) throw DomainError.from(reply.error);
    return reply;
  }

  async request(subject: string, command: OutgoingCommand, timeoutMs = this.timeoutMs): Promise<CommandReply> {
    const { commandId } = command.metadata;
    if (this.waiters.has(commandId))
      throw new DomainError(ErrorCode.IdempotencyInProgress, 'this command is already in flight');
    const now = Date.now();
    const metadata: CommandMetadata = {
      ...command.metadata,
      issuedAt: new Date(now).toISOString(),
      deadline: new Date(now + timeoutMs).toISOString(),
      replyTo: `${this.prefix}.${commandId}`,
    };
    const outcome = new Promise<CommandReply>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(commandId);
        resolve({
          ok: false,
          commandId,
          error: { code: ErrorCode.Unavailable, message: 'the run service did not answer in time; try again' },
        });
      }, timeoutMs);
      this.waiters.set(commandId, { resolve, timer });
    });
    const h = headers();
    // A fresh delivery id per send: a resend after "unavailable" must not be swallowed by the
    // stream's duplicate window; the command id still makes it apply once.
    h.set('Nats-Msg-Id', `${commandId}.${nuid.next()}`);
    h.set(HEADERS.commandType, command.type);
    h.set(HEADERS.correlationId, metadata.correlationId);
    try {
      await this.publisher.publish(subject, encodeJson({ ...command, metadata }), h);
    } catch (error) {
      const waiter = this.waiters.get(commandId);
      if (waiter) {
        clearTimeout(waiter.timer);
        this.waiters.delete(commandId);
      }
      if (isStorageFull(error)) throw new StorageFull(STREAMS.commands);
      throw new DomainError(ErrorCode.Unavailable, `could not queue the command: ${(error as Error).message}`);
    }
    return outcome;
  }
}
