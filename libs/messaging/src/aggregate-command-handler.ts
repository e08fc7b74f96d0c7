import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, unstorable, type CommandMetadata, type CommandReply, type EventMetadata } from '#contracts';
import type { AggregateRepository } from './aggregate-repository';
import type { CommandOutcome } from './command-outcome';
import { ConcurrencyConflict, type AnyEvent, type EventStore } from './event-store';
import { StorageFull } from './log-capacity';

export interface AnyCommand {
  type: string;
  data: unknown;
  metadata: CommandMetadata;
}

export interface AggregateCommandSpec<S, E extends AnyEvent, C extends AnyCommand> {
  repository: AggregateRepository<S, E>;
  idOf(command: C): string;
  /** Loads whatever else the decision needs, then calls the aggregate's pure decide. */
  decide(command: C, state: S, now: Date): Promise<Pick<E, 'type' | 'data'>[]>;
  reply(command: C, state: S, replayed: boolean): CommandReply;
}

export interface AggregateCommandOptions {
  /** How long a batch another command left unfinished blocks the aggregate before it is abandoned. */
  openBatchGraceMs: number;
  maxConflictRetries: number;
}

/**
 * decide → append with the expected subject sequence → on conflict catch up and decide again.
 * A command id already in the log is answered from the log (a redelivery after a crash, or a client
 * resend) instead of being applied twice; a command whose batch was cut short by a crash is
 * finished from the state before that batch.
 */
export class AggregateCommandHandler<S, E extends AnyEvent, C extends AnyCommand> {
  constructor(
    private readonly spec: AggregateCommandSpec<S, E, C>,
    private readonly store: EventStore,
    private readonly options: AggregateCommandOptions,
  ) {}

  async handle(command: C): Promise<CommandOutcome> {
    const id = this.spec.idOf(command);
    const { commandId } = command.metadata;
    for (let attempt = 0; attempt < this.options.maxConflictRetries; attempt++) {
      const stream = await this.spec.repository.get(id);
      const now = new Date();
      const prior = stream.commands.get(commandId);
      if (prior && prior.stored >= prior.count) return this.answer(command, stream.state, true);

      let open = stream.openBatch;
      if (open && open.commandId !== commandId) {
        // Another writer's batch: maybe finished since this copy was read.
        await this.spec.repository.catchUp(stream);
        open = stream.openBatch;
      }
      if (open && open.commandId !== commandId) {
        if (now.getTime() - open.lastEventAt < this.options.openBatchGraceMs)
          return { kind: 'retry', delayMs: 50, reason: `command ${open.commandId} has unfinished events` };
        stream.abandonOpenBatch();
        open = null;
      }
      const resuming = open !== null && open.commandId === commandId ? open : null;
      if (!resuming && isExpired(command.metadata, now)) return { kind: 'expired' };

      const base = resuming ? resuming.stateBefore : stream.state;
      const baseSequence = resuming ? stream.sequence - resuming.stored : stream.sequence;
      let drafts: Pick<E, 'type' | 'data'>[];
      try {
        drafts = await this.spec.decide(command, base, now);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // A refusal is final only if decided on the latest log: another replica may have moved the
        // aggregate on since it was cached here (an append would have caught that; a refusal must look).
        if ((await this.store.lastStreamSeq(stream.subject)) > stream.version) {
          await this.spec.repository.catchUp(stream);
          continue;
        }
        return { kind: 'answered', reply: refusal(commandId, error) };
      }
      // A command that changes nothing (a repeated claim or pin) is answered without writing.
      if (drafts.length === 0) return { ...this.answer(command, stream.state, false), appended: 0 };
      // Nothing goes into the log that the read model could not store: one such event would stall the projector.
      const unfit = unstorable(drafts.map((d) => d.data), 'the command');
      if (unfit) return { kind: 'answered', reply: refusal(commandId, new DomainError(ErrorCode.ValidationFailed, unfit)) };
      const events = stamp<E>(drafts, command.metadata, id, baseSequence, now).slice(resuming?.stored ?? 0);
      try {
        const seqs = await this.store.append(stream.subject, stream.version, events);
        events.forEach((event, i) => stream.apply({ event, streamSeq: seqs[i] as number }));
        return { ...this.answer(command, stream.state, false), appended: events.length };
      } catch (error) {
        if (error instanceof ConcurrencyConflict) {
          await this.spec.repository.catchUp(stream);
          continue;
        }
        // Refused before anything was stored: a clear answer now (the client's 503), not a redelivery loop.
        if (error instanceof StorageFull && error.appended === 0 && !resuming) return { kind: 'answered', reply: refusal(commandId, error) };
        // Unknown how much was stored: forget the cached state, the redelivery reloads it.
        this.spec.repository.evict(id);
        throw error;
      }
    }
    return { kind: 'retry', delayMs: 100, reason: 'too many concurrent writers' };
  }

  private answer(command: C, state: S, replayed: boolean): CommandOutcome & { kind: 'answered' } {
    return { kind: 'answered', reply: this.spec.reply(command, state, replayed) };
  }
}

const isExpired = (metadata: CommandMetadata, now: Date): boolean =>
  metadata.deadline !== undefined && Date.parse(metadata.deadline) < now.getTime();

const refusal = (commandId: string, error: DomainError): CommandReply => ({
  ok: false,
  commandId,
  error: error.toBody(),
});

function stamp<E extends AnyEvent>(
  drafts: Pick<E, 'type' | 'data'>[],
  command: CommandMetadata,
  streamId: string,
  baseSequence: number,
  now: Date,
): E[] {
  return drafts.map((draft, index) => {
    const metadata: EventMetadata = {
      eventId: randomUUID(),
      streamId,
      sequence: baseSequence + index + 1,
      createdAt: now.toISOString(),
      commandId: command.commandId,
      correlationId: command.correlationId,
      causationId: command.commandId,
      actor: command.actor,
      batch: { index, count: drafts.length },
    };
    return { ...draft, metadata } as E;
  });
}

