import {
  DEFAULT_PROJECT,
  EMPTY_USAGE,
  NO_DESCRIPTION,
  type RunCreated,
  type RunCreatedV2,
  type RunEvent,
  type RunSnapshot,
  type RunSpec,
  type RunUsage,
  type UsageIncrement,
} from '#contracts';

/** A run before its first event does not exist. */
export type RunState = RunSnapshot | null;
export const initialRunState = (): RunState => null;

/** The options of a run that did not say (and of every v1 run). */
export const DEFAULT_RUN_OPTIONS: RunSpec['options'] = {
  model: null,
  environment: null,
  tools: null,
  route: null,
  interactive: true,
  settings: {},
};

/** A v1 creation record is a v2 one with the defaults: private, the default project, no version. */
export function upcastRunCreated(data: RunCreated['data']): RunCreatedV2['data'] {
  return {
    runId: data.runId,
    threadId: data.threadId,
    userId: data.userId,
    org: data.org,
    project: DEFAULT_PROJECT,
    visibility: 'private',
    agent: { name: data.agent, version: null },
    snapshotRevision: data.snapshotRevision,
    traceId: null,
    spec: {
      input: { message: data.triggerMessage, data: null },
      options: DEFAULT_RUN_OPTIONS,
      labels: { tags: [], categories: [], properties: {} },
      createdBy: { name: null, email: null },
      phases: [],
      conversation: null,
      forkedFrom: null,
    },
  };
}

/** The event clock after an event: its time, or one millisecond past the last one if not later. */
const tick = (clock: number, createdAt: string) => Math.max(Date.parse(createdAt), clock + 1);

/** Folds one event into the run. Pure: the projector and the run-service share it. */
export function evolveRun(state: RunState, event: RunEvent): RunState {
  const { type, data, metadata } = event;
  const at = metadata.createdAt;

  if (type === 'RunCreated' || type === 'RunCreatedV2') {
    const created = type === 'RunCreated' ? upcastRunCreated(data) : data;
    return {
      id: created.runId,
      threadId: created.threadId,
      userId: created.userId,
      org: created.org,
      project: created.project,
      visibility: created.visibility,
      agent: created.agent.name,
      agentVersion: created.agent.version,
      triggerMessage: created.spec.input.message ?? '',
      traceId: created.traceId,
      spec: created.spec,
      status: 'pending',
      phase: null,
      attempt: 0,
      snapshotRevision: created.snapshotRevision,
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
      answer: null,
      description: NO_DESCRIPTION,
      clock: Date.parse(at),
    };
  }
  if (state === null) return state;
  const next: RunSnapshot = { ...state, lastEventSequence: metadata.sequence, updatedAt: at, clock: tick(state.clock, at) };

  switch (type) {
    case 'RunStarted':
    case 'RunRetried':
    case 'RunRedispatched':
    case 'RunStartedV2':
    case 'RunRetriedV2':
    case 'RunRedispatchedV2':
    case 'RunRestarted': {
      const redispatched = type === 'RunRedispatched' || type === 'RunRedispatchedV2';
      return {
        ...next,
        status: 'running',
        phase: null,
        attempt: data.attempt,
        snapshotRevision: data.snapshotRevision,
        cancelReason: null,
        errorMessage: null,
        result: null,
        startedAt: redispatched ? state.startedAt : at,
        finishedAt: null,
        workerId: null,
        redispatches: redispatched ? state.redispatches + 1 : 0,
        inputRequest: null,
      };
    }
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
    case 'RunAnswered':
      return { ...next, answer: { attempt: data.attempt, messageId: data.messageId, content: data.content } };
    case 'RunDescribed':
      return { ...next, description: { name: data.name, title: data.title, topic: data.topic } };
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
