import type { RunEvent, RunSnapshot } from '#contracts';

/** A run before its first event does not exist. */
export type RunState = RunSnapshot | null;
export const initialRunState = (): RunState => null;

/** Folds one event into the run. Pure: the projector and the run-service share it. */
export function evolveRun(state: RunState, event: RunEvent): RunState {
  const { type, data, metadata } = event;
  const at = metadata.createdAt;

  if (type === 'RunCreated') {
    return {
      id: data.runId,
      threadId: data.threadId,
      userId: data.userId,
      org: data.org,
      agent: data.agent,
      triggerMessage: data.triggerMessage,
      status: 'pending',
      phase: null,
      attempt: 0,
      snapshotRevision: data.snapshotRevision,
      cancelReason: null,
      errorMessage: null,
      result: null,
      lastEventSequence: metadata.sequence,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    };
  }
  if (state === null) return state;
  const next: RunSnapshot = { ...state, lastEventSequence: metadata.sequence, updatedAt: at };

  switch (type) {
    case 'RunStarted':
    case 'RunRetried':
      return {
        ...next,
        status: 'running',
        phase: null,
        attempt: data.attempt,
        snapshotRevision: data.snapshotRevision,
        cancelReason: null,
        errorMessage: null,
        result: null,
        startedAt: at,
        finishedAt: null,
      };
    case 'RunPhaseStarted':
      return { ...next, phase: data.phase };
    case 'RunCompleted':
      return { ...next, status: 'completed', phase: 'done', result: data.result ?? null, finishedAt: at };
    case 'RunFailed':
      return { ...next, status: 'failed', errorMessage: data.errorMessage, finishedAt: at };
    case 'RunCancelled':
      return { ...next, status: 'cancelled', cancelReason: data.reason, finishedAt: at };
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}
