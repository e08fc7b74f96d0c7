import type { RunEventType, RunSnapshot } from '#contracts';

/** A stored run event as any reader sees it (read model row or JetStream message). */
export interface RunEventView {
  sequence: number;
  type: string;
  data: unknown;
  createdAt: string;
}

/** The Travelmode name of each internal event type (seed 002), and the payload it shows. */
const EVENT_MAP: { [T in RunEventType]: { name: string; payload: (data: Record<string, unknown>) => unknown } } = {
  RunCreated: {
    name: 'RUN_CREATED',
    payload: (d) => ({ tripId: d.threadId, triggerMessage: d.triggerMessage, agent: d.agent }),
  },
  RunStarted: { name: 'RUN_STARTED', payload: (d) => ({ attempt: d.attempt, snapshotRevision: d.snapshotRevision }) },
  RunPhaseStarted: { name: 'PHASE_STARTED', payload: (d) => ({ phase: d.phase }) },
  RunCompleted: { name: 'RUN_COMPLETED', payload: (d) => ({ result: d.result }) },
  RunFailed: { name: 'RUN_FAILED', payload: (d) => ({ errorMessage: d.errorMessage }) },
  RunCancelled: { name: 'RUN_CANCELLED', payload: (d) => ({ reason: d.reason }) },
  RunRetried: { name: 'RUN_RETRIED', payload: (d) => ({ attempt: d.attempt, snapshotRevision: d.snapshotRevision }) },
};

export function travelmodeEvent(event: RunEventView) {
  const mapped = EVENT_MAP[event.type as RunEventType];
  return {
    sequence: event.sequence,
    eventType: mapped?.name ?? event.type,
    payload: mapped ? mapped.payload(event.data as Record<string, unknown>) : event.data,
    createdAt: event.createdAt,
  };
}

export function travelmodeRun(run: RunSnapshot) {
  return {
    id: run.id,
    tripId: run.threadId,
    userId: run.userId,
    status: run.status,
    phase: run.phase,
    lastEventSequence: run.lastEventSequence,
    attempt: run.attempt,
    triggerMessage: run.triggerMessage,
    cancelReason: run.cancelReason,
    errorMessage: run.errorMessage,
    result: run.result,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}
