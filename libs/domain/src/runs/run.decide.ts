import {
  DomainError,
  ErrorCode,
  type Actor,
  type CancelRun,
  type CreateRun,
  type RetryRun,
  type RunCommand,
  type StartRun,
  type StopRun,
  type ThreadSnapshot,
} from '#contracts';
import type { RunState } from './run';
import { existingRunVisibleTo, invalid, type RunDecisionContext, type RunEventDraft } from './run.rules';
import { pinArtifact, provideInput, recordArtifact, signalRun } from './run.client.decide';
import { claimRun, expireInput, expireLease, reportRunProgress } from './run.worker.decide';

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

