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
  RunClaimed: { name: 'WORKER_ASSIGNED', payload: (d) => ({ attempt: d.attempt, workerId: d.workerId }) },
  RunRedispatched: {
    name: 'RUN_REDISPATCHED',
    payload: (d) => ({ attempt: d.attempt, previousAttempt: d.previousAttempt, reason: d.reason }),
  },
  RunMessageDelta: { name: 'MESSAGE_DELTA', payload: (d) => ({ messageId: d.messageId, text: d.text }) },
  RunToolCalled: { name: 'TOOL_CALL', payload: (d) => ({ callId: d.callId, name: d.name, input: d.input }) },
  RunToolCallCompleted: {
    name: 'TOOL_RESULT',
    payload: (d) => ({ callId: d.callId, output: d.output, isError: d.isError }),
  },
  RunUsageRecorded: {
    name: 'USAGE_RECORDED',
    payload: (d) => ({
      inputTokens: d.inputTokens,
      outputTokens: d.outputTokens,
      cachedInputTokens: d.cachedInputTokens,
      costUsd: d.costUsd,
      credits: d.credits,
      model: d.model,
    }),
  },
  RunInputRequested: { name: 'WAITING_FOR_INPUT', payload: (d) => ({ prompt: d.prompt, inputExpiresAt: d.expiresAt }) },
  RunInputExpiring: { name: 'INPUT_EXPIRING', payload: (d) => ({ inputExpiresAt: d.expiresAt }) },
  RunInputProvided: { name: 'INPUT_RECEIVED', payload: (d) => ({ content: d.content }) },
  RunSignalled: { name: 'SIGNAL_RECEIVED', payload: (d) => ({ name: d.name, payload: d.payload }) },
  RunArtifactCreated: {
    name: 'ARTIFACT_CREATED',
    payload: (d) => ({ artifactId: d.id, artifactType: d.artifactType, title: d.title, path: d.path }),
  },
  RunArtifactPinChanged: { name: 'ARTIFACT_UPDATED', payload: (d) => ({ artifactId: d.artifactId, isPinned: d.isPinned }) },
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
    agent: run.agent,
    inputPrompt: run.inputRequest?.prompt ?? null,
    inputExpiresAt: run.inputRequest?.expiresAt ?? null,
    ...runMetrics(run),
  };
}

/** Seed 003's run metrics, live while the run runs (duration counts up to `now`). */
export function runMetrics(run: RunSnapshot, now = new Date()) {
  const { usage } = run;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now.getTime();
  return {
    totalInputTokens: usage.inputTokens,
    totalOutputTokens: usage.outputTokens,
    totalCostUsd: usage.costUsd,
    durationMs: run.startedAt ? Math.max(0, end - Date.parse(run.startedAt)) : null,
    cacheHitRate: usage.inputTokens > 0 ? usage.cachedInputTokens / usage.inputTokens : null,
    creditsUsed: usage.credits,
    model: usage.model,
  };
}

export const travelmodeArtifactSummaries = (run: RunSnapshot) => run.artifacts.map((a) => ({ ...a }));
