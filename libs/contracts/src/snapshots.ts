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
}

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
