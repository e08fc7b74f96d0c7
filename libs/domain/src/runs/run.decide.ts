import {
  DEFAULT_PROJECT,
  DomainError,
  ErrorCode,
  canSee,
  viewerOf,
  type Actor,
  type CancelRun,
  type ConversationBase,
  type CreateRun,
  type RestartRun,
  type RetryRun,
  type RunCommand,
  type RunSnapshot,
  type RunSpec,
  type StartRun,
  type StopRun,
  type ThreadSnapshot,
} from '#contracts';
import { DEFAULT_RUN_OPTIONS, type RunState } from './run';
import {
  agentOf,
  controllableRun,
  existingRunVisibleTo,
  invalid,
  requireRunScope,
  type RunDecisionContext,
  type RunEventDraft,
} from './run.rules';
import { pinArtifact, provideInput, recordArtifact, signalRun } from './run.client.decide';
import { claimRun, expireInput, expireLease, reportRunProgress } from './run.worker.decide';

function visibleThread(thread: ThreadSnapshot | null, actor: Actor, threadId: number): ThreadSnapshot {
  if (thread === null || thread.id !== threadId) throw new DomainError(ErrorCode.ThreadNotFound, 'thread not found');
  if (actor.kind === 'user' && !canSee(thread, viewerOf(actor))) throw new DomainError(ErrorCode.ThreadNotFound, 'thread not found');
  return thread;
}

/** A fork's source, visible to the forker, and the event it forks at (default: its last). */
function forkPoint(source: RunSnapshot | null, actor: Actor, fork: { runId: string; sequence?: number }) {
  if (source === null || source.id !== fork.runId) throw new DomainError(ErrorCode.RunNotFound, 'run not found');
  existingRunVisibleTo(source, actor);
  const sequence = fork.sequence ?? source.lastEventSequence;
  if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence > source.lastEventSequence)
    throw new DomainError(ErrorCode.ValidationFailed, `sequence must be between 0 and ${source.lastEventSequence}`);
  return { source, sequence };
}

/**
 * A new run over a thread (Travelmode, seed 003), over nothing (Vertesia), or as a fork of another
 * run, whose conversation it continues from the fork point by reference.
 */
export function createRun(command: CreateRun, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  const { data, metadata } = command;
  const { actor } = metadata;
  if (state !== null) throw new DomainError(ErrorCode.AlreadyExists, `run ${data.runId} already exists`);
  const fork = data.forkOf ? forkPoint(ctx.source, actor, data.forkOf) : null;
  const threadId = fork ? null : (data.threadId ?? null);
  const thread = threadId === null ? null : visibleThread(ctx.thread, actor, threadId);
  requireRunScope(actor);
  const base = fork?.source.spec;
  const conversation: ConversationBase | null = fork
    ? { kind: 'run', runId: fork.source.id, sequence: fork.sequence }
    : thread
      ? { kind: 'thread', threadId: thread.id, messages: thread.messageCount }
      : null;
  const spec: RunSpec = {
    input: {
      message: data.input?.message ?? data.triggerMessage ?? base?.input.message ?? null,
      data: data.input?.data ?? base?.input.data ?? null,
    },
    options: { ...DEFAULT_RUN_OPTIONS, ...base?.options, ...data.options },
    labels: { tags: [], categories: [], properties: {}, ...base?.labels, ...data.labels },
    createdBy: { name: actor.name ?? null, email: actor.email ?? null },
    phases: data.phases ?? base?.phases ?? [],
    conversation,
    forkedFrom: fork ? { runId: fork.source.id, sequence: fork.sequence } : null,
  };
  const agent = fork
    ? agentOf(fork.source)
    : { name: data.agent ?? ctx.defaultAgent, version: data.agentVersion ?? null };
  const snapshotRevision = thread?.revision ?? fork?.source.snapshotRevision ?? 0;
  const created: RunEventDraft = {
    type: 'RunCreatedV2',
    data: {
      runId: data.runId,
      threadId: thread?.id ?? null,
      userId: actor.id,
      org: actor.org ?? null,
      project: actor.project ?? DEFAULT_PROJECT,
      visibility: data.visibility ?? fork?.source.visibility ?? 'private',
      agent,
      snapshotRevision,
      traceId: data.traceId ?? null,
      spec,
    },
  };
  if (!data.autoStart) return [created];
  return [created, { type: 'RunStartedV2', data: { attempt: 1, snapshotRevision, agent } }];
}

export function startRun(command: StartRun, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  if (run.status !== 'pending') throw invalid('start', run.status);
  const snapshotRevision = ctx.thread?.revision ?? run.snapshotRevision;
  return [{ type: 'RunStartedV2', data: { attempt: 1, snapshotRevision, agent: agentOf(run) } }];
}

export function stopRun(command: StopRun, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  if (run.status !== 'running' && run.status !== 'waiting_for_input') throw invalid('stop', run.status);
  return [{ type: 'RunCancelled', data: { reason: 'stopped', via: 'stop' } }];
}

export function cancelRun(command: CancelRun, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  if (run.status !== 'pending' && run.status !== 'running' && run.status !== 'waiting_for_input')
    throw invalid('cancel', run.status);
  return [{ type: 'RunCancelled', data: { reason: command.data.reason ?? null, via: 'cancel' } }];
}

/** A retry is a new attempt from the run's frozen input snapshot: the snapshot revision stays. */
export function retryRun(command: RetryRun, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  if (run.status !== 'failed' && run.status !== 'cancelled') throw invalid('retry', run.status);
  return [{ type: 'RunRetriedV2', data: { attempt: run.attempt + 1, snapshotRevision: run.snapshotRevision, agent: agentOf(run) } }];
}

/** A restart continues the conversation where it stopped, in a new attempt of the same run. */
export function restartRun(command: RestartRun, state: RunState): RunEventDraft[] {
  const run = controllableRun(state, command.metadata.actor);
  if (run.status !== 'completed' && run.status !== 'failed' && run.status !== 'cancelled') throw invalid('restart', run.status);
  return [{ type: 'RunRestarted', data: { attempt: run.attempt + 1, snapshotRevision: run.snapshotRevision, agent: agentOf(run) } }];
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
    case 'RestartRun':
      return restartRun(command, state);
    case 'ReportRunProgress':
      return reportRunProgress(command, state, ctx);
    case 'ClaimRun':
      return claimRun(command, state);
    case 'ExpireLease':
      return expireLease(command, state, ctx);
    case 'ExpireInput':
      return expireInput(command, state, ctx);
    case 'ProvideInput':
      return provideInput(command, state);
    case 'SignalRun':
      return signalRun(command, state);
    case 'RecordArtifact':
      return recordArtifact(command, state);
    case 'PinArtifact':
      return pinArtifact(command, state);
    default: {
      const unknownType: never = type;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown command ${String(unknownType)}`);
    }
  }
}
