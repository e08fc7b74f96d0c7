import type { AnyEvent, StoredEvent } from './event-store';

/** How much of a command's output is in the log. */
export interface CommandProgress {
  stored: number;
  count: number;
}

/** The last command's events when not all of them are stored yet (a writer died mid-batch). */
export interface OpenBatch<S> {
  commandId: string;
  /** State before the batch's first event: the batch is re-decided from here. */
  stateBefore: S;
  stored: number;
  count: number;
  lastEventAt: number;
}

const MAX_REMEMBERED_COMMANDS = 4096;

/**
 * One aggregate as folded from its subject: state, the stream sequence the next append expects,
 * which command ids it has applied (so a redelivered command is answered, not re-applied) and an
 * unfinished trailing batch, if any.
 */
export class AggregateStream<S, E extends AnyEvent> {
  version = 0;
  /** Sequence of the last folded event; the first event gets `firstSequence`. */
  sequence: number;
  readonly commands = new Map<string, CommandProgress>();
  openBatch: OpenBatch<S> | null = null;
  /** Serialises catch-ups so two callers never fold the same events twice. */
  catchingUp: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly subject: string,
    public state: S,
    private readonly evolve: (state: S, event: E) => S,
    firstSequence: number,
  ) {
    this.sequence = firstSequence - 1;
  }

  /** Folds an event unless already folded (appends and catch-ups may both deliver it). */
  apply({ event, streamSeq }: StoredEvent<E>): void {
    // The events of a unit share its stream sequence: within one, the per-aggregate sequence tells them apart.
    if (streamSeq < this.version || (streamSeq === this.version && event.metadata.sequence <= this.sequence)) return;
    const { commandId, batch } = event.metadata;
    if (batch.index === 0 && batch.count > 1) {
      this.openBatch = { commandId, stateBefore: this.state, stored: 0, count: batch.count, lastEventAt: 0 };
    } else if (this.openBatch && this.openBatch.commandId !== commandId) {
      // Someone moved on without finishing the batch: it is abandoned.
      this.openBatch = null;
    }
    this.state = this.evolve(this.state, event);
    this.version = streamSeq;
    this.sequence = event.metadata.sequence;

    const progress = this.commands.get(commandId) ?? { stored: 0, count: batch.count };
    progress.stored = batch.index + 1;
    this.remember(commandId, progress);
    if (this.openBatch?.commandId === commandId) {
      this.openBatch.stored = progress.stored;
      this.openBatch.lastEventAt = Date.parse(event.metadata.createdAt);
      if (progress.stored >= progress.count) this.openBatch = null;
    }
  }

  abandonOpenBatch(): void {
    this.openBatch = null;
  }

  private remember(commandId: string, progress: CommandProgress): void {
    this.commands.delete(commandId);
    this.commands.set(commandId, progress);
    if (this.commands.size > MAX_REMEMBERED_COMMANDS) {
      const oldest = this.commands.keys().next().value;
      if (oldest !== undefined) this.commands.delete(oldest);
    }
  }
}
