import { EMPTY_USAGE, type RunEvent, type RunSnapshot, type RunUsage, type UsageIncrement } from '#contracts';

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
      workerId: null,
      redispatches: 0,
      inputRequest: null,
      usage: EMPTY_USAGE,
      artifacts: [],
    };
  }
  if (state === null) return state;
  const next: RunSnapshot = { ...state, lastEventSequence: metadata.sequence, updatedAt: at };

  switch (type) {
    case 'RunStarted':
    case 'RunRetried':
    case 'RunRedispatched':
      return {
        ...next,
        status: 'running',
        phase: null,
        attempt: data.attempt,
        snapshotRevision: data.snapshotRevision,
        cancelReason: null,
        errorMessage: null,
        result: null,
        startedAt: type === 'RunRedispatched' ? state.startedAt : at,
        finishedAt: null,
        workerId: null,
        redispatches: type === 'RunRedispatched' ? state.redispatches + 1 : 0,
        inputRequest: null,
      };
    case 'RunClaimed':
      return { ...next, workerId: data.workerId };
    case 'RunPhaseStarted':
      return { ...next, phase: data.phase };
    case 'RunCompleted':
      return { ...next, status: 'completed', phase: 'done', result: data.result ?? null, finishedAt: at, inputRequest: null };
    case 'RunFailed':
      return { ...next, status: 'failed', errorMessage: data.errorMessage, finishedAt: at, inputRequest: null };
    case 'RunCancelled':
      return { ...next, status: 'cancelled', cancelReason: data.reason, finishedAt: at, inputRequest: null };
    case 'RunUsageRecorded':
      return { ...next, usage: addUsage(state.usage, data) };
    case 'RunInputRequested':
      return { ...next, status: 'waiting_for_input', inputRequest: { prompt: data.prompt, expiresAt: data.expiresAt, expiryWarned: false } };
    case 'RunInputProvided':
      return { ...next, status: 'running', inputRequest: null };
    case 'RunArtifactCreated':
      return data.kind === 'typed'
        ? { ...next, artifacts: [...state.artifacts, { id: data.id, artifactType: data.artifactType, isPinned: data.isPinned }] }
        : next;
    case 'RunArtifactPinChanged':
      return {
        ...next,
        artifacts: state.artifacts.map((a) => (a.id === data.artifactId ? { ...a, isPinned: data.isPinned } : a)),
      };
    case 'RunInputExpiring':
      return state.inputRequest ? { ...next, inputRequest: { ...state.inputRequest, expiryWarned: true } } : next;
    case 'RunMessageDelta':
    case 'RunToolCalled':
    case 'RunToolCallCompleted':
    case 'RunSignalled':
      return next;
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

/** Costs and credits are fractional: summed at nano precision so that many small ones add up exactly. */
const exact = (a: number, b: number) => Math.round((a + b) * 1e9) / 1e9;

export function addUsage(total: RunUsage, increment: UsageIncrement): RunUsage {
  return {
    inputTokens: total.inputTokens + increment.inputTokens,
    outputTokens: total.outputTokens + increment.outputTokens,
    cachedInputTokens: total.cachedInputTokens + increment.cachedInputTokens,
    costUsd: exact(total.costUsd, increment.costUsd),
    credits: exact(total.credits, increment.credits),
    model: increment.model ?? total.model,
  };
}
