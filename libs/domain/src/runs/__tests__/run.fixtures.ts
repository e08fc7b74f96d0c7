/** Given/when/then helpers and event fixtures for the run aggregate's specs. */
import {
  DomainError,
  ErrorCode,
  type Actor,
  type RunCommand,
  type RunEvent,
  type RunPhase,
  type ThreadSnapshot,
  type WorkerReport,
} from '#contracts';
import { evolveRun, initialRunState, type RunState } from '../run';
import { decideRun } from '../run.decide';
import type { RunDecisionContext, RunEventDraft } from '../run.rules';

export const RUN_ID = 'run-1';
export const NOW = new Date('2030-01-01T12:00:00.000Z');
/** createdAt of the event with the given sequence: one minute apart, all before NOW. */
export const at = (sequence: number) => new Date(Date.UTC(2030, 0, 1, 10, sequence)).toISOString();

export const OWNER: Actor = { kind: 'user', id: 'user-1', org: 'acme' };
export const OTHER_USER: Actor = { kind: 'user', id: 'user-2', org: 'acme' };
export const AGENT: Actor = { kind: 'agent', id: 'worker-7' };
export const SYSTEM: Actor = { kind: 'system', id: 'runstream' };

/** The run's thread as loaded now: revision 3 (the run was created at 1 and started at 2). */
export const THREAD: ThreadSnapshot = {
  id: 42,
  ownerId: OWNER.id,
  org: 'acme',
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
  const context: RunDecisionContext = { now: NOW, thread: THREAD, defaultAgent: 'default-agent', maxRedispatches: 2, ...ctx };
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
/** RunStarted / RunRetried carry the attempt's work item: the run's agent and trigger message. */
export const attemptInput = (attempt: number, snapshotRevision: number, agent: string) => ({ attempt, snapshotRevision, agent, triggerMessage: 'hello' });
export const started = (attempt: number, snapshotRevision = 2, agent = 'a1'): RunEventDraft => ({ type: 'RunStarted', data: attemptInput(attempt, snapshotRevision, agent) });
export const retried = (attempt: number, snapshotRevision = 2): RunEventDraft => ({ type: 'RunRetried', data: attemptInput(attempt, snapshotRevision, 'a1') });
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
