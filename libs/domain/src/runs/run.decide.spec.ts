import {
  DomainError,
  ErrorCode,
  type Actor,
  type RunCommand,
  type RunEvent,
  type RunPhase,
  type RunSnapshot,
  type ThreadSnapshot,
  type WorkerReport,
} from '#contracts';
import { evolveRun, initialRunState, type RunState } from './run';
import { decideRun, type RunDecisionContext, type RunEventDraft } from './run.decide';

const RUN_ID = 'run-1';
const NOW = new Date('2030-01-01T12:00:00.000Z');
/** createdAt of the event with the given sequence: one minute apart, all before NOW. */
const at = (sequence: number) => new Date(Date.UTC(2030, 0, 1, 10, sequence)).toISOString();

const OWNER: Actor = { kind: 'user', id: 'user-1', org: 'acme' };
const OTHER_USER: Actor = { kind: 'user', id: 'user-2', org: 'acme' };
const AGENT: Actor = { kind: 'agent', id: 'worker-7' };
const SYSTEM: Actor = { kind: 'system', id: 'runstream' };

/** The run's thread as loaded now: revision 3 (the run was created at 1 and started at 2). */
const THREAD: ThreadSnapshot = {
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

function toEvents(drafts: RunEventDraft[]): RunEvent[] {
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

const fold = (drafts: RunEventDraft[]): RunState => toEvents(drafts).reduce(evolveRun, initialRunState());

function given(history: RunEventDraft[], ctx: Partial<RunDecisionContext> = {}) {
  const state = fold(history);
  const context: RunDecisionContext = { now: NOW, thread: THREAD, defaultAgent: 'default-agent', ...ctx };
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

const meta = (actor: Actor) => ({ commandId: 'cmd-1', correlationId: 'corr-1', actor, issuedAt: NOW.toISOString() });
const createRun = (data: { threadId?: number; agent?: string; autoStart?: boolean } = {}, actor = OWNER): RunCommand => ({
  type: 'CreateRun',
  data: { runId: RUN_ID, threadId: 42, triggerMessage: 'hello', ...data },
  metadata: meta(actor),
});
const startRun = (actor = OWNER): RunCommand => ({ type: 'StartRun', data: { runId: RUN_ID }, metadata: meta(actor) });
const stopRun = (actor = OWNER): RunCommand => ({ type: 'StopRun', data: { runId: RUN_ID }, metadata: meta(actor) });
const cancelRun = (actor = OWNER, reason?: string): RunCommand => ({
  type: 'CancelRun',
  data: reason === undefined ? { runId: RUN_ID } : { runId: RUN_ID, reason },
  metadata: meta(actor),
});
const retryRun = (actor = OWNER): RunCommand => ({ type: 'RetryRun', data: { runId: RUN_ID }, metadata: meta(actor) });
const report = (attempt: number, reports: WorkerReport[], actor = AGENT): RunCommand => ({
  type: 'ReportRunProgress',
  data: { runId: RUN_ID, attempt, reports },
  metadata: meta(actor),
});

const created: RunEventDraft = {
  type: 'RunCreated',
  data: { runId: RUN_ID, threadId: 42, userId: OWNER.id, org: 'acme', agent: 'a1', triggerMessage: 'hello', snapshotRevision: 1 },
};
/** RunStarted / RunRetried carry the attempt's work item: the run's agent and trigger message. */
const attemptInput = (attempt: number, snapshotRevision: number, agent: string) => ({ attempt, snapshotRevision, agent, triggerMessage: 'hello' });
const started = (attempt: number, snapshotRevision = 2, agent = 'a1'): RunEventDraft => ({ type: 'RunStarted', data: attemptInput(attempt, snapshotRevision, agent) });
const retried = (attempt: number, snapshotRevision = 2): RunEventDraft => ({ type: 'RunRetried', data: attemptInput(attempt, snapshotRevision, 'a1') });
const phase = (p: RunPhase, attempt = 1): RunEventDraft => ({ type: 'RunPhaseStarted', data: { phase: p, attempt } });
const completed = (attempt: number, result: unknown = { answer: 42 }): RunEventDraft => ({ type: 'RunCompleted', data: { attempt, result } });
const failed = (attempt: number, errorMessage = 'boom'): RunEventDraft => ({ type: 'RunFailed', data: { attempt, errorMessage } });
const cancelled = (reason: string | null, via: 'stop' | 'cancel' = 'cancel'): RunEventDraft => ({ type: 'RunCancelled', data: { reason, via } });

type ReachableStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
/** Frozen snapshotRevision is 2 (started at 2) in every status but pending (1); the thread is now at 3. */
const HISTORY: Record<ReachableStatus, RunEventDraft[]> = {
  pending: [created], // attempt 0
  running: [created, started(1), phase('plan')], // attempt 1
  completed: [created, started(1), completed(1)], // attempt 1
  failed: [created, started(1), failed(1), retried(2), failed(2)], // attempt 2
  cancelled: [created, started(1), cancelled('bored')], // attempt 1
};
const ATTEMPT: Record<ReachableStatus, number> = { pending: 0, running: 1, completed: 1, failed: 2, cancelled: 1 };

// ---- decideRun ------------------------------------------------------------------------------

describe('decideRun', () => {
  describe('lifecycle transitions (every status x action)', () => {
    const INVALID = ErrorCode.InvalidTransition;
    const cases: [ReachableStatus, string, (actor?: Actor) => RunCommand, RunEventDraft[] | ErrorCode][] = [
      ['pending', 'start', startRun, [started(1, 3)]],
      ['running', 'start', startRun, INVALID],
      ['completed', 'start', startRun, INVALID],
      ['failed', 'start', startRun, INVALID],
      ['cancelled', 'start', startRun, INVALID],
      ['pending', 'stop', stopRun, INVALID],
      ['running', 'stop', stopRun, [cancelled('stopped', 'stop')]],
      ['completed', 'stop', stopRun, INVALID],
      ['failed', 'stop', stopRun, INVALID],
      ['cancelled', 'stop', stopRun, INVALID],
      ['pending', 'cancel', (a) => cancelRun(a, 'changed my mind'), [cancelled('changed my mind')]],
      ['running', 'cancel', (a) => cancelRun(a, 'changed my mind'), [cancelled('changed my mind')]],
      ['completed', 'cancel', cancelRun, INVALID],
      ['failed', 'cancel', cancelRun, INVALID],
      ['cancelled', 'cancel', cancelRun, INVALID],
      ['pending', 'retry', retryRun, INVALID],
      ['running', 'retry', retryRun, INVALID],
      ['completed', 'retry', retryRun, INVALID],
      ['failed', 'retry', retryRun, [retried(3)]],
      ['cancelled', 'retry', retryRun, [retried(2)]],
    ];
    it.each(cases)('%s + %s', (status, _action, command, outcome) => {
      const when = given(HISTORY[status]).when(command(OWNER));
      if (typeof outcome === 'string') when.thenThrows(outcome);
      else when.then(outcome);
    });

    it('start freezes the run snapshot revision when no thread is loaded', () =>
      given([created], { thread: null }).when(startRun()).then([started(1, 1)]));
    it('cancel without a reason records reason null', () =>
      given(HISTORY.running).when(cancelRun(OWNER)).then([cancelled(null)]));
    it('retry of a run cancelled while pending starts attempt 1 from its frozen revision', () =>
      given([created, cancelled(null)]).when(retryRun()).then([retried(1, 1)]));
  });

  describe('CreateRun', () => {
    const runCreated = (agent = 'default-agent', org: string | null = 'acme'): RunEventDraft => ({
      type: 'RunCreated',
      data: { runId: RUN_ID, threadId: 42, userId: OWNER.id, org, agent, triggerMessage: 'hello', snapshotRevision: 3 },
    });
    it('creates a pending run on the owned thread with the default agent', () =>
      given([]).when(createRun()).then([runCreated()]));
    it('uses the requested agent', () => given([]).when(createRun({ agent: 'a9' })).then([runCreated('a9')]));
    it('records org null for an actor without org', () =>
      given([]).when(createRun({}, { kind: 'user', id: OWNER.id })).then([runCreated('default-agent', null)]));
    it.each([undefined, 'a9'])('autoStart (agent %s) also starts attempt 1 at the thread revision with the run agent', (agent) =>
      given([])
        .when(createRun({ autoStart: true, agent }))
        .then([runCreated(agent), started(1, 3, agent ?? 'default-agent')]));
    it('autoStart false only creates', () => given([]).when(createRun({ autoStart: false })).then([runCreated()]));
    it.each(['pending', 'completed'] as const)('refuses an existing %s run', (status) =>
      given(HISTORY[status]).when(createRun()).thenThrows(ErrorCode.AlreadyExists));
    it('refuses when the thread is missing', () =>
      given([], { thread: null }).when(createRun()).thenThrows(ErrorCode.ThreadNotFound));
    it("refuses another user's thread", () =>
      given([]).when(createRun({}, OTHER_USER)).thenThrows(ErrorCode.ThreadNotFound));
    it('refuses when the loaded thread is not the requested one', () =>
      given([]).when(createRun({ threadId: 43 })).thenThrows(ErrorCode.ThreadNotFound));
  });

  describe('ownership', () => {
    const allowed: [string, ReachableStatus, (actor?: Actor) => RunCommand, RunEventDraft[]][] = [
      ['StartRun', 'pending', startRun, [started(1, 3)]],
      ['StopRun', 'running', stopRun, [cancelled('stopped', 'stop')]],
      ['CancelRun', 'running', cancelRun, [cancelled(null)]],
      ['RetryRun', 'failed', retryRun, [retried(3)]],
    ];
    it.each(allowed)("%s on another user's %s run is not found", (_name, status, command) =>
      given(HISTORY[status]).when(command(OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
    it.each(allowed)('%s on a missing run is not found', (_name, _status, command) =>
      given([]).when(command(OWNER)).thenThrows(ErrorCode.RunNotFound));
    it.each(allowed.flatMap(([name, status, command, drafts]) => [AGENT, SYSTEM].map((actor) => [name, actor.kind, status, command, actor, drafts] as const)))(
      '%s by a(n) %s actor is not owner-checked',
      (_name, _kind, status, command, actor, drafts) => given(HISTORY[status]).when(command(actor)).then(drafts),
    );
  });

  describe('ReportRunProgress', () => {
    const running = HISTORY.running;
    it.each([OWNER, OTHER_USER])('is forbidden to user $id', (actor) =>
      given(running).when(report(1, [{ kind: 'failed', errorMessage: 'x' }], actor)).thenThrows(ErrorCode.Forbidden));
    it('is not found on a missing run', () =>
      given([]).when(report(1, [{ kind: 'completed' }])).thenThrows(ErrorCode.RunNotFound));
    it.each([0, 2])('refuses attempt %i when the run is at attempt 1', (attempt) =>
      given(running).when(report(attempt, [{ kind: 'completed' }])).thenThrows(ErrorCode.StaleAttempt));
    it('refuses the previous attempt after a retry', () =>
      given([...HISTORY.failed, retried(3)]).when(report(2, [{ kind: 'completed' }])).thenThrows(ErrorCode.StaleAttempt));
    it('refuses an empty batch', () => given(running).when(report(1, [])).thenThrows(ErrorCode.ValidationFailed));
    it('refuses an unknown phase, even after a valid one', () =>
      given(running)
        .when(report(1, [{ kind: 'phase_started', phase: 'act' }, { kind: 'phase_started', phase: 'dream' as RunPhase }]))
        .thenThrows(ErrorCode.ValidationFailed));
    it.each(['pending', 'completed', 'failed', 'cancelled'] as const)('refuses reports on a %s run', (status) =>
      given(HISTORY[status]).when(report(ATTEMPT[status], [{ kind: 'phase_started', phase: 'plan' }])).thenThrows(ErrorCode.InvalidTransition));
    it('turns a batch into drafts in order', () =>
      given(running)
        .when(report(1, [{ kind: 'phase_started', phase: 'plan' }, { kind: 'phase_started', phase: 'reason' }, { kind: 'completed', result: { ok: 1 } }]))
        .then([phase('plan'), phase('reason'), completed(1, { ok: 1 })]));
    it('stamps the current attempt after a retry and accepts a system actor', () =>
      given([...HISTORY.failed, retried(3)])
        .when(report(3, [{ kind: 'phase_started', phase: 'act' }], SYSTEM))
        .then([phase('act', 3)]));
    it('completed without result records result null', () =>
      given(running).when(report(1, [{ kind: 'completed' }])).then([completed(1, null)]));
    it('failed becomes RunFailed with the error message', () =>
      given(running).when(report(1, [{ kind: 'failed', errorMessage: 'model timeout' }])).then([failed(1, 'model timeout')]));
    it.each<[string, WorkerReport[]]>([
      ['a phase after completed', [{ kind: 'completed' }, { kind: 'phase_started', phase: 'deliver' }]],
      ['failed after completed', [{ kind: 'completed' }, { kind: 'failed', errorMessage: 'late' }]],
      ['completed after failed', [{ kind: 'failed', errorMessage: 'x' }, { kind: 'completed' }]],
    ])('refuses the whole batch for %s', (_name, reports) =>
      given(running).when(report(1, reports)).thenThrows(ErrorCode.InvalidTransition));
  });
});

// ---- evolveRun ------------------------------------------------------------------------------

describe('evolveRun', () => {
  const snapshot = (drafts: RunEventDraft[]) => fold(drafts) as RunSnapshot;
  const base = snapshot([created]);

  it('RunCreated makes a pending run at attempt 0', () =>
    expect(base).toEqual({
      id: RUN_ID, threadId: 42, userId: OWNER.id, org: 'acme', agent: 'a1', triggerMessage: 'hello',
      status: 'pending', phase: null, attempt: 0, snapshotRevision: 1, cancelReason: null, errorMessage: null,
      result: null, lastEventSequence: 1, createdAt: at(1), updatedAt: at(1), startedAt: null, finishedAt: null,
    }));
  it('ignores anything but RunCreated on a missing run', () => expect(evolveRun(null, toEvents([created, started(1)])[1])).toBeNull());

  it('RunStarted takes attempt and revision from the event, sets startedAt and clears leftovers', () => {
    const dirty: RunSnapshot = { ...base, attempt: 4, snapshotRevision: 9, phase: 'act', result: 'old', errorMessage: 'old', cancelReason: 'old', finishedAt: at(0) };
    const event = toEvents([created, started(1)])[1];
    expect(evolveRun(dirty, event)).toEqual({
      ...base, status: 'running', phase: null, attempt: 1, snapshotRevision: 2, cancelReason: null, errorMessage: null,
      result: null, lastEventSequence: 2, updatedAt: at(2), startedAt: at(2), finishedAt: null,
    });
  });
  it('RunPhaseStarted only moves the phase', () => {
    const before = snapshot([created, started(1)]);
    expect(snapshot([created, started(1), phase('plan')])).toEqual({ ...before, phase: 'plan', lastEventSequence: 3, updatedAt: at(3) });
  });
  it('RunCompleted sets completed, phase done, result and finishedAt', () => {
    const before = snapshot(HISTORY.running);
    expect(snapshot([...HISTORY.running, completed(1)])).toEqual({
      ...before, status: 'completed', phase: 'done', result: { answer: 42 }, lastEventSequence: 4, updatedAt: at(4), finishedAt: at(4),
    });
  });
  it('RunCompleted without result stores null', () =>
    expect(snapshot([...HISTORY.running, { type: 'RunCompleted', data: { attempt: 1, result: undefined } }]).result).toBeNull());
  it('RunFailed sets failed, errorMessage and finishedAt, keeping the phase', () => {
    const before = snapshot(HISTORY.running);
    expect(snapshot([...HISTORY.running, failed(1, 'oops')])).toEqual({
      ...before, status: 'failed', errorMessage: 'oops', lastEventSequence: 4, updatedAt: at(4), finishedAt: at(4),
    });
  });
  it('RunCancelled sets cancelled, cancelReason and finishedAt', () => {
    expect(snapshot([created, cancelled('bored')])).toEqual({
      ...base, status: 'cancelled', cancelReason: 'bored', lastEventSequence: 2, updatedAt: at(2), finishedAt: at(2),
    });
  });
  it.each<[string, RunEventDraft]>([
    ['failed', failed(1, 'oops')],
    ['cancelled', cancelled('bored')],
  ])('RunRetried after %s runs the next attempt and clears errorMessage/cancelReason', (_name, ending) => {
    const before = snapshot([...HISTORY.running, ending]);
    expect(snapshot([...HISTORY.running, ending, retried(2)])).toEqual({
      ...before, status: 'running', phase: null, attempt: 2, snapshotRevision: 2, errorMessage: null, cancelReason: null,
      result: null, lastEventSequence: 5, updatedAt: at(5), startedAt: at(5), finishedAt: null,
    });
  });
});
