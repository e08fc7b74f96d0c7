import type { RunEvent, RunEventType, RunSnapshot } from '#contracts';

/**
 * A dialect's name and payload for every internal event, typed per event: a renamed field of an
 * event fails to compile here, and a new event type is a missing key.
 */
export type EventTable<Out> = {
  [T in RunEventType]: (data: Extract<RunEvent, { type: T }>['data'], event: Extract<RunEvent, { type: T }>) => Out;
};

/** Looks an event up in a dialect's table (the table is exhaustive, so there is no fallback). */
export function mapEvent<Out>(table: EventTable<Out>, event: RunEvent): Out {
  const row = table[event.type] as (data: unknown, event: RunEvent) => Out;
  return row(event.data, event);
}

/** A stored run event as a reader gets it (read model row or JetStream message): one of the union. */
export interface StoredRunEventView {
  sequence: number;
  type: string;
  data: unknown;
  createdAt: string;
}

/** A read-model row is an event from the log: its `type` and `data` are one member of the union. */
export const asRunEvent = (e: StoredRunEventView): RunEvent =>
  ({ type: e.type, data: e.data, metadata: { sequence: e.sequence, createdAt: e.createdAt } }) as unknown as RunEvent;

/** How a client resumes a stream: after a per-run sequence, or (Vertesia) after an instant. */
export type ResumePoint = { afterSequence: number } | { afterTime: number };

/**
 * A dialect's Server-Sent Events: the frames of one stream. Each returns the bytes to write (an
 * SSE frame, or several), or null when the dialect sends nothing there.
 */
export interface SseCodec {
  /** Written once, right after the stream opens. */
  opened(run: RunSnapshot, since: number): string | null;
  /**
   * The frame of one event; encoded once per event and shared by every stream of the run.
   * `clock` is the run's event clock at it (see `RunSnapshot.clock`).
   */
  event(event: RunEvent, clock: number): string | null;
  /** Periodic status frame. */
  status(run: RunSnapshot, lastSequence: number): string | null;
  /** After the terminal event; the server then closes the stream. */
  finished(run: RunSnapshot, lastSequence: number): string | null;
  /** Before the server closes for any other reason (the client resumes). */
  error(message: string, lastSequence: number): string | null;
}

/** Who may open a dialect's streams, and how the credential arrives. */
export interface StreamAuthRules {
  /** The `session_token` cookie. */
  cookie: boolean;
  /** `Authorization: Bearer <jwt or API key>`. */
  bearer: boolean;
  /** A query parameter carrying the token (EventSource cannot send headers), never logged. */
  queryToken: string | null;
}

/** Paths (regular-expression sources, anchored by the users) a dialect serves outside the gateway. */
export interface DialectRoutes {
  /** Every path the dialect owns: errors under them use its error body. */
  prefixes: string[];
  /** SSE streams, served by the stream-service. */
  streams: string[];
  /** Artifact routes, served by the artifact-service. */
  artifacts: string[];
}

/** An error as every transport renders it: the status and the message(s), before the dialect's shape. */
export interface RenderedError {
  status: number;
  message: string | string[];
}

/** The parts of a dialect that every service needs; views and codecs beyond these are its own. */
export interface DialectBase {
  name: string;
  routes: DialectRoutes;
  streamAuth: StreamAuthRules;
  sse: SseCodec;
  errorBody(error: RenderedError): unknown;
}

/** SSE framing: `id:` (for Last-Event-ID) and one `data:` line of JSON. */
export const sseFrame = (data: unknown, id?: number) => `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
