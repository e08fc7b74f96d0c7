import {
  DomainError,
  ErrorCode,
  RUN_FIRST_SEQUENCE,
  RUN_PHASES,
  type Actor,
  type CancelRun,
  type CreateRun,
  type EventDraft,
  type ReportRunProgress,
  type RetryRun,
  type RunCommand,
  type RunEvent,
  type RunSnapshot,
  type RunStatus,
  type StartRun,
  type StopRun,
  type ThreadSnapshot,
  type WorkerReport,
} from '#contracts';
import { evolveRun, type RunState } from './run';

export type RunEventDraft = EventDraft<RunEvent>;

/** What a decision may look at besides the run itself; the handler loads it, decide stays pure. */
export interface RunDecisionContext {
  now: Date;
  /** The run's thread at its latest revision (create and start need it). */
  thread: ThreadSnapshot | null;
  defaultAgent: string;
}

const invalid = (action: string, status: RunStatus) =>
  new DomainError(ErrorCode.InvalidTransition, `cannot ${action} a run that is ${status}`);

const notFound = () => new DomainError(ErrorCode.RunNotFound, 'run not found');

/** Another user's run is indistinguishable from a missing one. */
function existingRunVisibleTo(state: RunState, actor: Actor): RunSnapshot {
  if (state === null) throw notFound();
  if (actor.kind === 'user' && state.userId !== actor.id) throw notFound();
  return state;
}

function ownedThread(thread: ThreadSnapshot | null, actor: Actor, threadId: number): ThreadSnapshot {
  if (thread === null || thread.id !== threadId) throw new DomainError(ErrorCode.ThreadNotFound, 'thread not found');
  if (actor.kind === 'user' && thread.ownerId !== actor.id)
    throw new DomainError(ErrorCode.ThreadNotFound, 'thread not found');
  return thread;
}

export function createRun(command: CreateRun, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  const { data, metadata } = command;
  if (state !== null) throw new DomainError(ErrorCode.AlreadyExists, `run ${data.runId} already exists`);
  const thread = ownedThread(ctx.thread, metadata.actor, data.threadId);
  const created: RunEventDraft = {
    type: 'RunCreated',
    data: {
      runId: data.runId,
      threadId: thread.id,
      userId: metadata.actor.id,
      org: metadata.actor.org ?? null,
      agent: data.agent ?? ctx.defaultAgent,
      triggerMessage: data.triggerMessage,
      snapshotRevision: thread.revision,
    },
  };
  if (!data.autoStart) return [created];
  const { agent, triggerMessage, snapshotRevision } = created.data;
  return [created, { type: 'RunStarted', data: { attempt: 1, snapshotRevision, agent, triggerMessage } }];
}

export function startRun(command: StartRun, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  const run = existingRunVisibleTo(state, command.metadata.actor);
  if (run.status !== 'pending') throw invalid('start', run.status);
  const snapshotRevision = ctx.thread?.revision ?? run.snapshotRevision;
  return [{ type: 'RunStarted', data: { attempt: 1, snapshotRevision, agent: run.agent, triggerMessage: run.triggerMessage } }];
}

export function stopRun(command: StopRun, state: RunState): RunEventDraft[] {
  const run = existingRunVisibleTo(state, command.metadata.actor);
  if (run.status !== 'running' && run.status !== 'waiting_for_input') throw invalid('stop', run.status);
  return [{ type: 'RunCancelled', data: { reason: 'stopped', via: 'stop' } }];
}

export function cancelRun(command: CancelRun, state: RunState): RunEventDraft[] {
  const run = existingRunVisibleTo(state, command.metadata.actor);
  if (run.status !== 'pending' && run.status !== 'running' && run.status !== 'waiting_for_input')
    throw invalid('cancel', run.status);
  return [{ type: 'RunCancelled', data: { reason: command.data.reason ?? null, via: 'cancel' } }];
}

/** A retry is a new attempt from the run's frozen input snapshot: the snapshot revision stays. */
export function retryRun(command: RetryRun, state: RunState): RunEventDraft[] {
  const run = existingRunVisibleTo(state, command.metadata.actor);
  if (run.status !== 'failed' && run.status !== 'cancelled') throw invalid('retry', run.status);
  const { agent, triggerMessage, snapshotRevision } = run;
  return [{ type: 'RunRetried', data: { attempt: run.attempt + 1, snapshotRevision, agent, triggerMessage } }];
}

function reportToDraft(report: WorkerReport, run: RunSnapshot): RunEventDraft {
  if (run.status !== 'running') throw invalid(`report ${report.kind} for`, run.status);
  switch (report.kind) {
    case 'phase_started':
      if (!RUN_PHASES.includes(report.phase))
        throw new DomainError(ErrorCode.ValidationFailed, `unknown phase ${String(report.phase)}`);
      return { type: 'RunPhaseStarted', data: { phase: report.phase, attempt: run.attempt } };
    case 'completed':
      return { type: 'RunCompleted', data: { attempt: run.attempt, result: report.result ?? null } };
    case 'failed':
      return { type: 'RunFailed', data: { attempt: run.attempt, errorMessage: report.errorMessage } };
    default: {
      const unknownKind: never = report;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown report ${JSON.stringify(unknownKind)}`);
    }
  }
}

/** A worker's reports apply in order against the evolving run, all or nothing. */
export function reportRunProgress(command: ReportRunProgress, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  if (command.metadata.actor.kind === 'user')
    throw new DomainError(ErrorCode.Forbidden, 'only agents and Runstream itself report progress');
  let run = existingRunVisibleTo(state, command.metadata.actor);
  if (command.data.attempt !== run.attempt)
    throw new DomainError(
      ErrorCode.StaleAttempt,
      `attempt ${command.data.attempt} is not the run's current attempt (${run.attempt})`,
    );
  if (command.data.reports.length === 0) throw new DomainError(ErrorCode.ValidationFailed, 'no reports');
  const drafts: RunEventDraft[] = [];
  for (const report of command.data.reports) {
    const draft = reportToDraft(report, run);
    drafts.push(draft);
    run = foldDraft(run, draft, ctx.now) as RunSnapshot;
  }
  return drafts;
}

/** Applies a draft as if stored, so later parts of one decision see earlier ones. */
export function foldDraft(state: RunState, draft: RunEventDraft, now: Date): RunState {
  const sequence = (state?.lastEventSequence ?? RUN_FIRST_SEQUENCE - 1) + 1;
  const event = {
    ...draft,
    metadata: {
      eventId: '',
      streamId: state?.id ?? '',
      sequence,
      createdAt: now.toISOString(),
      commandId: '',
      correlationId: '',
      causationId: '',
      actor: { kind: 'system', id: 'decide' },
      batch: { index: 0, count: 1 },
    },
  } as RunEvent;
  return evolveRun(state, event);
}

export function decideRun(command: RunCommand, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  const { type } = command;
  switch (type) {
    case 'CreateRun':
      return createRun(command, state, ctx);
    case 'StartRun':
      return startRun(command, state, ctx);
    case 'StopRun':
      return stopRun(command, state);
    case 'CancelRun':
      return cancelRun(command, state);
    case 'RetryRun':
      return retryRun(command, state);
    case 'ReportRunProgress':
      return reportRunProgress(command, state, ctx);
    default: {
      const unknownType: never = type;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown command ${String(unknownType)}`);
    }
  }
}

