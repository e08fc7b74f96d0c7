/**
 * Who asked for a change: an end user (JWT `sub`, directly or through an API key), an agent
 * worker, or Runstream itself. A user's project, scopes, name and email came with v2 senders as
 * optional fields (a reader that ignores them is unaffected; nothing changed meaning).
 */
export interface Actor {
  kind: 'user' | 'agent' | 'system';
  id: string;
  org?: string;
  project?: string;
  scopes?: string[];
  name?: string;
  email?: string;
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
