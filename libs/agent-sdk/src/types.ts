import type { RunInput, RunLabels, RunOptions, RunPhase, UsageIncrement } from '#contracts';
import type { ConversationMessage } from '#domain';

export type { ConversationMessage };

/** The attempt a handler executes, and everything the run asks of it. */
export interface AgentRun {
  runId: string;
  attempt: number;
  agent: string;
  /** The agent version the run is bound to (null: any worker of the agent took it). */
  version: string | null;
  /** The run's input message ('' when it was given data only): Travelmode's trigger message. */
  triggerMessage: string;
  input: RunInput;
  options: RunOptions;
  labels: RunLabels;
  snapshotRevision: number;
  /**
   * The conversation so far, oldest first: the thread's messages (seed 003), the source's up to
   * the fork point (a fork), the run's input, then what earlier attempts added (a restart).
   */
  conversation: ConversationMessage[];
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
  /**
   * The attempt's answer, recorded when it completes (a thread gets it as the assistant's
   * message). Without one, the text the attempt streamed as deltas is its answer.
   */
  answer(text: string): void;
  /** What the agent calls the conversation (any field left out stays as it was). */
  describe(description: { name?: string | null; title?: string | null; topic?: string | null }): Promise<void>;
}

/** An agent version a worker serves, as it announces it in the agents' registry. */
export interface AgentDefinition {
  handler: AgentHandler;
  /** A number (`2`) or a label (`draft`); default `1`. */
  version?: string;
  description?: string;
  /** Tool names runs use unless they say otherwise. */
  tools?: string[];
  model?: string;
  environment?: string;
  /** The phases its runs report, in order; runs then refuse any other phase. */
  phases?: readonly RunPhase[];
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
