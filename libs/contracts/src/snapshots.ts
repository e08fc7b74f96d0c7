import type { RunPhase, RunStatus } from './run-status';

/**
 * The state of a run as the run aggregate folds it from its events. The run-service answers commands
 * with it; the projector stores exactly these fields; each API dialect maps it to its own shape.
 */
export interface RunSnapshot {
  id: string;
  threadId: number;
  userId: string;
  org: string | null;
  agent: string;
  triggerMessage: string;
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
  title: string | null;
  metadata: Record<string, unknown>;
  /** Starts at 1 and advances with every change. */
  revision: number;
  lastEventSequence: number;
  createdAt: string;
  updatedAt: string;
}
