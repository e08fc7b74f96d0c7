/** Given/when/then helpers and event fixtures for the run aggregate's specs. */
import {
  DomainError,
  ErrorCode,
  type Actor,
  type ArtifactDescriptor,
  type LeaseLossReason,
  type RunCommand,
  type RunEvent,
  type RunPhase,
  type ThreadSnapshot,
  type UsageIncrement,
  type WorkerReport,
} from '#contracts';
import { evolveRun, initialRunState, type RunState } from '../run';
import { decideRun } from '../run.decide';
import type { RunDecisionContext, RunEventDraft } from '../run.rules';

export const RUN_ID = 'run-1';
export const NOW = new Date('2030-01-01T12:00:00.000Z');
/** createdAt of the event with the given sequence: one minute apart, all before NOW. */
export const at = (sequence: number) => new Date(Date.UTC(2030, 0, 1, 10, sequence)).toISOString();

export const OWNER: Actor = { kind: 'user', id: 'user-1', org: 'acme', project: 'default', scopes: ['workflow:run'] };
export const OTHER_USER: Actor = { kind: 'user', id: 'user-2', org: 'acme', project: 'default', scopes: ['workflow:run'] };
export const AGENT: Actor = { kind: 'agent', id: 'worker-7' };
export const SYSTEM: Actor = { kind: 'system', id: 'runstream' };

/** The run's thread as loaded now: revision 3 (the run was created at 1 and started at 2). */
export const THREAD: ThreadSnapshot = {
  id: 42,
  ownerId: OWNER.id,
  org: 'acme',
  project: 'default',
  visibility: 'private',
  messageCount: 0,
  title: 'Research',
  metadata: {},
  revision: 3,
  lastEventSequence: 3,
  createdAt: at(0),
  updatedAt: at(0),
};

// ---- given / when / then --------------------------------------------------------------------

export function toEvents(drafts: RunEventDraft[]): RunEvent[] {
  return drafts.map((draft, i) => {
    const sequence = i + 1;
    const metadata = {
      eventId: `evt-${sequence}`,
      streamId: RUN_ID,
      sequence,
      createdAt: at(sequence),
      commandId: `given-${sequence}`,
      correlationId: 'given',
      causationId: `given-${sequence}`,
      actor: SYSTEM,
      batch: { index: 0, count: 1 },
    };
    return { ...draft, metadata } as RunEvent;
  });
}

export const fold = (drafts: RunEventDraft[]): RunState => toEvents(drafts).reduce(evolveRun, initialRunState());

export function given(history: RunEventDraft[], ctx: Partial<RunDecisionContext> = {}) {
  const state = fold(history);
  const context: RunDecisionContext = { now: NOW, thread: THREAD, source: null, defaultAgent: 'default-agent', maxRedispatches: 2, ...ctx };
  return {
    when: (command: RunCommand) => {
      const decide = () => decideRun(command, state, context);
      return {
        then: (expected: RunEventDraft[]) => expect(decide()).toEqual(expected),
        thenThrows: (code: ErrorCode) => {
          let error: unknown;
          try {
            decide();
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
        },
      };
    },
  };
}

// ---- commands and histories -----------------------------------------------------------------

export const meta = (actor: Actor) => ({ commandId: 'cmd-1', correlationId: 'corr-1', actor, issuedAt: NOW.toISOString() });
export const createRun = (data: { threadId?: number; agent?: string; autoStart?: boolean } = {}, actor = OWNER): RunCommand => ({
  type: 'CreateRun',
  data: { runId: RUN_ID, threadId: 42, triggerMessage: 'hello', ...data },
  metadata: meta(actor),
});
export const startRun = (actor = OWNER): RunCommand => ({ type: 'StartRun', data: { runId: RUN_ID }, metadata: meta(actor) });
export const stopRun = (actor = OWNER): RunCommand => ({ type: 'StopRun', data: { runId: RUN_ID }, metadata: meta(actor) });
export const cancelRun = (actor = OWNER, reason?: string): RunCommand => ({
  type: 'CancelRun',
  data: reason === undefined ? { runId: RUN_ID } : { runId: RUN_ID, reason },
  metadata: meta(actor),
});
export const retryRun = (actor = OWNER): RunCommand => ({ type: 'RetryRun', data: { runId: RUN_ID }, metadata: meta(actor) });
export const report = (attempt: number, reports: WorkerReport[], actor = AGENT): RunCommand => ({
  type: 'ReportRunProgress',
  data: { runId: RUN_ID, attempt, reports },
  metadata: meta(actor),
});

export const created: RunEventDraft = {
  type: 'RunCreated',
  data: { runId: RUN_ID, threadId: 42, userId: OWNER.id, org: 'acme', agent: 'a1', triggerMessage: 'hello', snapshotRevision: 1 },
};
/** v2 attempt starts name the agent and version the work goes to (the worker reads the run). */
export const attemptInput = (attempt: number, snapshotRevision: number, agent: string, version: string | null = null) => ({
  attempt,
  snapshotRevision,
  agent: { name: agent, version },
});
export const started = (attempt: number, snapshotRevision = 2, agent = 'a1'): RunEventDraft => ({ type: 'RunStartedV2', data: attemptInput(attempt, snapshotRevision, agent) });
export const retried = (attempt: number, snapshotRevision = 2): RunEventDraft => ({ type: 'RunRetriedV2', data: attemptInput(attempt, snapshotRevision, 'a1') });
export const restarted = (attempt: number, snapshotRevision = 2): RunEventDraft => ({ type: 'RunRestarted', data: attemptInput(attempt, snapshotRevision, 'a1') });
/** The v1 shapes, which logs written before v2 hold: they fold like their v2 successors. */
export const startedV1 = (attempt: number, snapshotRevision = 2, agent = 'a1'): RunEventDraft => ({
  type: 'RunStarted',
  data: { attempt, snapshotRevision, agent, triggerMessage: 'hello' },
});
export const retriedV1 = (attempt: number, snapshotRevision = 2): RunEventDraft => ({
  type: 'RunRetried',
  data: { attempt, snapshotRevision, agent: 'a1', triggerMessage: 'hello' },
});
export const phase = (p: RunPhase, attempt = 1): RunEventDraft => ({ type: 'RunPhaseStarted', data: { phase: p, attempt } });
export const completed = (attempt: number, result: unknown = { answer: 42 }): RunEventDraft => ({ type: 'RunCompleted', data: { attempt, result } });
export const failed = (attempt: number, errorMessage = 'boom'): RunEventDraft => ({ type: 'RunFailed', data: { attempt, errorMessage } });
export const cancelled = (reason: string | null, via: 'stop' | 'cancel' = 'cancel'): RunEventDraft => ({ type: 'RunCancelled', data: { reason, via } });

export type ReachableStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
/** Frozen snapshotRevision is 2 (started at 2) in every status but pending (1); the thread is now at 3. */
export const HISTORY: Record<ReachableStatus, RunEventDraft[]> = {
  pending: [created], // attempt 0
  running: [created, started(1), phase('plan')], // attempt 1
  completed: [created, started(1), completed(1)], // attempt 1
  failed: [created, started(1), failed(1), retried(2), failed(2)], // attempt 2
  cancelled: [created, started(1), cancelled('bored')], // attempt 1
};
export const ATTEMPT: Record<ReachableStatus, number> = { pending: 0, running: 1, completed: 1, failed: 2, cancelled: 1 };

// ---- decideRun ------------------------------------------------------------------------------

// ---- execution: claims, leases, reports, input, signals, artifacts ---------------------------

export const WORKER = 'worker-a';
export const OTHER_WORKER = 'worker-b';
/** Deadline of the input request in the WAITING history: five minutes after NOW. */
export const EXPIRES_AT = '2030-01-01T12:05:00.000Z';
/** `ms` milliseconds after (or, negative, before) an ISO instant. */
export const shift = (iso: string, ms: number) => new Date(Date.parse(iso) + ms);

export const claimRun = (attempt: number, workerId = WORKER, actor = AGENT): RunCommand => ({
  type: 'ClaimRun',
  data: { runId: RUN_ID, attempt, workerId },
  metadata: meta(actor),
});
/** ReportRunProgress naming the reporting worker (`undefined` leaves `workerId` out). */
export const reportAs = (workerId: string | undefined, attempt: number, reports: WorkerReport[], actor = AGENT): RunCommand => ({
  type: 'ReportRunProgress',
  data: workerId === undefined ? { runId: RUN_ID, attempt, reports } : { runId: RUN_ID, attempt, workerId, reports },
  metadata: meta(actor),
});
export const expireLease = (attempt: number, reason: LeaseLossReason = 'lease_expired', actor = SYSTEM): RunCommand => ({
  type: 'ExpireLease',
  data: { runId: RUN_ID, attempt, reason },
  metadata: meta(actor),
});
export const expireInput = (attempt: number, stage: 'warning' | 'expired', actor = SYSTEM): RunCommand => ({
  type: 'ExpireInput',
  data: { runId: RUN_ID, attempt, stage },
  metadata: meta(actor),
});
export const provideInput = (content: string, actor = OWNER): RunCommand => ({
  type: 'ProvideInput',
  data: { runId: RUN_ID, content },
  metadata: meta(actor),
});
export const signalRun = (name: string, payload?: unknown, actor = OWNER): RunCommand => ({
  type: 'SignalRun',
  data: payload === undefined ? { runId: RUN_ID, name } : { runId: RUN_ID, name, payload },
  metadata: meta(actor),
});
export const recordArtifact = (artifact: ArtifactDescriptor, attempt: number | undefined, actor = AGENT): RunCommand => ({
  type: 'RecordArtifact',
  data: attempt === undefined ? { runId: RUN_ID, artifact } : { runId: RUN_ID, attempt, artifact },
  metadata: meta(actor),
});
export const pinArtifact = (artifactId: number, isPinned: boolean, actor = OWNER): RunCommand => ({
  type: 'PinArtifact',
  data: { runId: RUN_ID, artifactId, isPinned },
  metadata: meta(actor),
});

export const claimed = (attempt: number, workerId = WORKER): RunEventDraft => ({ type: 'RunClaimed', data: { attempt, workerId } });
/** The next attempt (`attempt`) of the chain after `attempt - 1` lost its lease. */
export const redispatched = (
  attempt: number,
  previousWorkerId: string | null = WORKER,
  reason: LeaseLossReason = 'lease_expired',
  snapshotRevision = 2,
): RunEventDraft => ({
  type: 'RunRedispatchedV2',
  data: { ...attemptInput(attempt, snapshotRevision, 'a1'), previousAttempt: attempt - 1, previousWorkerId, reason },
});
export const messageDelta = (attempt: number, messageId: string, text: string): RunEventDraft => ({
  type: 'RunMessageDelta',
  data: { attempt, messageId, text },
});
export const toolCalled = (attempt: number, callId: string, name: string, input: unknown): RunEventDraft => ({
  type: 'RunToolCalled',
  data: { attempt, callId, name, input },
});
export const toolCallCompleted = (attempt: number, callId: string, output: unknown, isError: boolean): RunEventDraft => ({
  type: 'RunToolCallCompleted',
  data: { attempt, callId, output, isError },
});
/** Every field of the increment spelled out; the ones not given are 0 (model null). */
export const usageRecorded = (attempt: number, usage: Partial<UsageIncrement> = {}): RunEventDraft => ({
  type: 'RunUsageRecorded',
  data: { attempt, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0, credits: 0, model: null, ...usage },
});
export const inputRequested = (attempt: number, expiresAt: string | null = EXPIRES_AT, prompt = 'Which dates?'): RunEventDraft => ({
  type: 'RunInputRequested',
  data: { attempt, prompt, expiresAt },
});
export const inputExpiring = (attempt: number, expiresAt = EXPIRES_AT): RunEventDraft => ({
  type: 'RunInputExpiring',
  data: { attempt, expiresAt },
});
export const inputProvided = (attempt: number, content: string): RunEventDraft => ({
  type: 'RunInputProvided',
  data: { attempt, content },
});
export const signalled = (attempt: number, name: string, payload: unknown = null): RunEventDraft => ({
  type: 'RunSignalled',
  data: { attempt, name, payload },
});
export const typedArtifact = (id: number, overrides: Partial<ArtifactDescriptor> = {}): ArtifactDescriptor => ({
  id,
  kind: 'typed',
  artifactType: 'candidates',
  title: 'Candidates',
  path: null,
  objectName: `runs/${RUN_ID}/artifacts/${id}`,
  contentType: 'application/json',
  size: 120,
  sha256: 'a'.repeat(64),
  isPinned: false,
  ...overrides,
});
export const fileArtifact = (id: number, path = 'out/report.pdf', overrides: Partial<ArtifactDescriptor> = {}): ArtifactDescriptor => ({
  id,
  kind: 'file',
  artifactType: 'file',
  title: null,
  path,
  objectName: `runs/${RUN_ID}/files/${id}`,
  contentType: 'application/pdf',
  size: 2048,
  sha256: 'b'.repeat(64),
  isPinned: false,
  ...overrides,
});
export const artifactCreated = (artifact: ArtifactDescriptor): RunEventDraft => ({ type: 'RunArtifactCreated', data: artifact });
export const pinChanged = (artifactId: number, isPinned: boolean): RunEventDraft => ({
  type: 'RunArtifactPinChanged',
  data: { artifactId, isPinned },
});

/** Running at attempt 1, claimed by WORKER. */
export const CLAIMED: RunEventDraft[] = [...HISTORY.running, claimed(1)];
/** CLAIMED, then waiting for input at attempt 1 with a request that expires at EXPIRES_AT. */
export const WAITING: RunEventDraft[] = [...CLAIMED, inputRequested(1)];

/** What every event moves: the sequence, the update time and the event clock (events are a minute apart). */
export const moved = (sequence: number) => ({ lastEventSequence: sequence, updatedAt: at(sequence), clock: Date.parse(at(sequence)) });

/** A v2 creation record of the fixture run (override what a spec needs). */
export const v2Created = () => ({
  runId: RUN_ID,
  threadId: 42 as number | null,
  userId: OWNER.id,
  org: 'acme' as string | null,
  project: 'default',
  visibility: 'private' as const,
  agent: { name: 'a1', version: null as string | null },
  snapshotRevision: 1,
  traceId: null,
  spec: {
    input: { message: 'hello', data: null },
    options: { model: null, environment: null, tools: null, route: null, interactive: true, settings: {} },
    labels: { tags: [], categories: [], properties: {} },
    createdBy: { name: null, email: null },
    phases: [] as string[],
    conversation: null,
    forkedFrom: null,
  },
});
