import type { Visibility } from './access';
import type { RunSpec } from './events';
import type { RunPhase, RunStatus } from './run-status';

/**
 * The state of a run as the run aggregate folds it from its events. The run-service answers commands
 * with it; the projector stores exactly these fields; each API dialect maps it to its own shape.
 */
export interface RunSnapshot {
  id: string;
  /** The thread the run works over (null: a run without one, e.g. Vertesia's or a fork). */
  threadId: number | null;
  userId: string;
  org: string | null;
  project: string;
  visibility: Visibility;
  agent: string;
  /** The agent version executing it (null: any worker of the agent). */
  agentVersion: string | null;
  /** The input message (Travelmode's trigger; '' when the run was given data only). */
  triggerMessage: string;
  /** The W3C trace id of the request that created it. */
  traceId: string | null;
  spec: RunSpec;
  status: RunStatus;
  phase: RunPhase | null;
  attempt: number;
  /** Thread revision frozen when the run was created and re-frozen when it starts. */
  snapshotRevision: number;
  cancelReason: string | null;
  errorMessage: string | null;
  result: unknown;
  lastEventSequence: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The worker holding the current attempt (null until one claims it). */
  workerId: string | null;
  /** Times the current attempt chain was redispatched after a lost lease (reset by start and retry). */
  redispatches: number;
  /** Set while `waiting_for_input`. */
  inputRequest: InputRequest | null;
  /** Totals of every usage report (all attempts). */
  usage: RunUsage;
  /** Typed artifacts, in creation order (file artifacts are listed by the artifact-service). */
  artifacts: ArtifactSummary[];
  /** The agent's latest answer (it stays through later attempts until another one). */
  answer: { attempt: number; messageId: string; content: string } | null;
  /** What the agent calls the conversation. */
  description: { name: string | null; title: string | null; topic: string | null };
  /**
   * The run's event clock: the epoch milliseconds of its last event, strictly increasing from
   * one event to the next (an event stored in the same millisecond as the one before counts one
   * more), so a client can resume after a timestamp without losing or repeating an event.
   */
  clock: number;
}

export interface InputRequest {
  prompt: string;
  expiresAt: string | null;
  /** `RunInputExpiring` was appended for this request. */
  expiryWarned: boolean;
}

export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  credits: number;
  /** The model of the latest report that named one. */
  model: string | null;
}

export interface ArtifactSummary {
  id: number;
  artifactType: string;
  isPinned: boolean;
}

/** What the agent calls a run before it says. */
export const NO_DESCRIPTION = { name: null, title: null, topic: null } as const;

export const EMPTY_USAGE: RunUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  costUsd: 0,
  credits: 0,
  model: null,
};

export interface ThreadSnapshot {
  id: number;
  ownerId: string;
  org: string | null;
  project: string;
  visibility: Visibility;
  /** Messages in the thread's conversation (they do not change its revision). */
  messageCount: number;
  title: string | null;
  metadata: Record<string, unknown>;
  /** Starts at 1 and advances with every change. */
  revision: number;
  lastEventSequence: number;
  createdAt: string;
  updatedAt: string;
}

/** An API key as its aggregate folds it; the secret itself is never stored, only its hash. */
export interface ApiKeySnapshot {
  id: string;
  name: string;
  ownerId: string;
  org: string | null;
  project: string;
  /** At most its creator's scopes when it was created. */
  scopes: string[];
  secretHash: string;
  /** The first characters of the secret, to recognise it by. */
  prefix: string;
  createdBy: { name: string | null; email: string | null };
  createdAt: string;
  revokedAt: string | null;
  lastEventSequence: number;
}
