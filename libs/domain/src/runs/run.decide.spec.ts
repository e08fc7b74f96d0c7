import { ErrorCode, type Actor, type RunCommand, type RunPhase, type WorkerReport } from '#contracts';
import type { RunEventDraft } from './run.rules';
import {
  AGENT,
  ATTEMPT,
  HISTORY,
  OTHER_USER,
  OWNER,
  RUN_ID,
  ReachableStatus,
  SYSTEM,
  cancelRun,
  cancelled,
  completed,
  createRun,
  created,
  failed,
  given,
  phase,
  report,
  retried,
  retryRun,
  startRun,
  started,
  stopRun,
  THREAD,
  v2Created,
} from './__tests__/run.fixtures';
import { DEFAULT_RUN_OPTIONS } from './run';

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
      type: 'RunCreatedV2',
      data: {
        runId: RUN_ID, threadId: 42, userId: OWNER.id, org, project: 'default', visibility: 'private',
        agent: { name: agent, version: null }, snapshotRevision: 3, traceId: null,
        spec: {
          input: { message: 'hello', data: null }, options: DEFAULT_RUN_OPTIONS, labels: { tags: [], categories: [], properties: {} },
          createdBy: { name: null, email: null }, phases: [], conversation: { kind: 'thread', threadId: 42, messages: 0 }, forkedFrom: null,
        },
      },
    });
    it('creates a pending run on the owned thread with the default agent', () =>
      given([]).when(createRun()).then([runCreated()]));
    it('uses the requested agent', () => given([]).when(createRun({ agent: 'a9' })).then([runCreated('a9')]));
    it('records org null for an actor without org', () =>
      given([], { thread: { ...THREAD, org: null } })
        .when(createRun({}, { kind: 'user', id: OWNER.id, scopes: ['workflow:run'] }))
        .then([runCreated('default-agent', null)]));
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
    const declaring: RunEventDraft[] = [
      { type: 'RunCreatedV2', data: { ...v2Created(), spec: { ...v2Created().spec, phases: ['plan', 'act'] } } },
      started(1),
    ];
    it('refuses a phase the agent did not declare, even after a valid one', () =>
      given(declaring)
        .when(report(1, [{ kind: 'phase_started', phase: 'act' }, { kind: 'phase_started', phase: 'dream' as RunPhase }]))
        .thenThrows(ErrorCode.ValidationFailed));
    it('takes any declared phase', () => given(declaring).when(report(1, [{ kind: 'phase_started', phase: 'act' }])).then([phase('act')]));
    it.each(['', '1st', 'a b', 'x'.repeat(65)])('refuses the phase name %p of an agent that declared none', (name) =>
      given(running).when(report(1, [{ kind: 'phase_started', phase: name }])).thenThrows(ErrorCode.ValidationFailed));
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
