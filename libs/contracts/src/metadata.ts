/** Who asked for a change: an end user (JWT `sub`), an agent worker, or Runstream itself. */
export interface Actor {
  kind: 'user' | 'agent' | 'system';
  id: string;
  org?: string;
}

export interface CommandMetadata {
  /** Unique per intent; the run-service applies a command id at most once per aggregate. */
  commandId: string;
  correlationId: string;
  causationId?: string;
  actor: Actor;
  issuedAt: string;
  /** After this instant an unapplied command is dropped: its sender has already answered "unavailable". */
  deadline?: string;
  /** Core NATS subject the outcome (`CommandReply`) is published to. */
  replyTo?: string;
}

export interface EventMetadata {
  eventId: string;
  /** The aggregate (run or thread) id the event belongs to. */
  streamId: string;
  /** Per-aggregate sequence: 1, 2, 3 … without gaps. */
  sequence: number;
  createdAt: string;
  commandId: string;
  correlationId: string;
  /** The command that caused this event (equal to `commandId`). */
  causationId: string;
  actor: Actor;
  /** Position of this event among the events one command produced; a command's events are contiguous. */
  batch: { index: number; count: number };
}

/** The shape of everything that crosses a process: `{ type, data, metadata }`. */
export interface Message<Type extends string, Data, Metadata> {
  type: Type;
  data: Data;
  metadata: Metadata;
}
