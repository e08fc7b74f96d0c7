import type { RunPhase, UsageIncrement } from '#contracts';

/** The attempt a handler executes. */
export interface AgentRun {
  runId: string;
  attempt: number;
  agent: string;
  triggerMessage: string;
  snapshotRevision: number;
}

export interface ArtifactInput {
  artifactType: string;
  title?: string;
  content: unknown;
}

export interface WaitForInputOptions {
  /** Exposed as the run's `inputExpiresAt`; the run fails if no input arrives by then. */
  expiresAt?: Date | string;
}

export type SignalHandler = (payload: unknown, name: string) => void | Promise<void>;
export type QueryHandler = () => unknown;

/** What a handler gets besides its run: everything it may tell Runstream, and how it is told to stop. */
export interface RunContext {
  readonly run: AgentRun;
  readonly workerId: string;
  /** Fires when the run is stopped, cancelled, failed by Runstream, or given to another worker. */
  readonly signal: AbortSignal;
  phase(phase: RunPhase): Promise<void>;
  /** Streams text; deltas are batched into as few appends as the log's pace allows, in order. */
  delta(text: string, messageId?: string): void;
  /** Records a tool call and returns its call id. */
  toolCall(name: string, input?: unknown): Promise<string>;
  toolResult(callId: string, output: unknown, isError?: boolean): Promise<void>;
  /** Stores a typed artifact through the artifact-service; it appears in the run's `artifacts`. */
  artifact(artifact: ArtifactInput): Promise<{ id: number; artifactType: string }>;
  /** Adds to the run's live usage totals. */
  usage(usage: Partial<UsageIncrement>): void;
  /** Puts the run in `waiting_for_input` and resolves with what the client posts to `/input`. */
  waitForInput(prompt: string, options?: WaitForInputOptions): Promise<string>;
  /** Signals arrive in the order they were sent; '*' receives every name without its own handler. */
  onSignal(name: string, handler: SignalHandler): void;
  /** Answers `GET …/query/{name}` while this worker holds the run. */
  onQuery(name: string, handler: QueryHandler): void;
  /** Resolves when everything reported so far is in the log. */
  flush(): Promise<void>;
}

/** The handler's return value becomes the run's `result`; a throw fails the run with its message. */
export type AgentHandler = (run: AgentRun, ctx: RunContext) => Promise<unknown>;

export interface ToolDescription {
  name: string;
  description: string;
}

export interface SdkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Thrown into a handler's pending calls once its attempt is over. */
export class RunEndedError extends Error {
  constructor(readonly reason: string) {
    super(`run attempt ended: ${reason}`);
    this.name = 'AbortError';
  }
}
