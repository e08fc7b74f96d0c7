import { ErrorCode, RUN_FIRST_SEQUENCE, type RunCommand, type WorkerReport } from '#contracts';
import {
  CLAIMED,
  HISTORY,
  NOW,
  OWNER,
  RUN_ID,
  THREAD,
  WORKER,
  at,
  claimed,
  created,
  fold,
  given,
  meta,
  phase,
  reportAs,
  started,
  v2Created,
} from './__tests__/run.fixtures';
import { DEFAULT_RUN_OPTIONS } from './run';
import { decideRun } from './run.decide';
import { foldDraft, type RunDecisionContext, type RunEventDraft } from './run.rules';

/**
 * Rules the second mutation run (StrykerJS) still found no case for. Every fold and decision runs
 * inside its test: Stryker runs only the tests that cover a mutant.
 */
describe('run rules the mutation run found uncovered', () => {
  const context = (ctx: Partial<RunDecisionContext> = {}): RunDecisionContext => ({
    now: NOW,
    thread: THREAD,
    source: null,
    defaultAgent: 'default-agent',
    maxRedispatches: 2,
    ...ctx,
  });
  /** The creation record CreateRun decides for `data` (no autoStart: exactly one event). */
  const creationFor = (data: Record<string, unknown>, ctx: Partial<RunDecisionContext> = {}) => {
    const command = { type: 'CreateRun', data: { runId: RUN_ID, ...data }, metadata: meta(OWNER) } as unknown as RunCommand;
    const [event, ...rest] = decideRun(command, null, context(ctx));
    expect(rest).toEqual([]);
    return event as Extract<RunEventDraft, { type: 'RunCreatedV2' }>;
  };

  describe('a v1 creation record folds like a v2 one with the defaults', () => {
    it('no labels, no creator, the default options, no phases', () =>
      expect(fold([created])!.spec).toStrictEqual({
        input: { message: 'hello', data: null },
        options: DEFAULT_RUN_OPTIONS,
        labels: { tags: [], categories: [], properties: {} },
        createdBy: { name: null, email: null },
        phases: [],
        conversation: null,
        forkedFrom: null,
      }));
    it('private, in the default project', () => expect(fold([created])).toMatchObject({ visibility: 'private', project: 'default' }));
  });

  describe('a v1 redispatch (RunRedispatched)', () => {
    const redispatchedV1: RunEventDraft = {
      type: 'RunRedispatched',
      data: { attempt: 2, snapshotRevision: 2, agent: 'a1', triggerMessage: 'hello', previousAttempt: 1, previousWorkerId: WORKER, reason: 'lease_expired' },
    };
    it('continues the chain: the start time stays and the redispatch is counted', () => {
      const run = fold([created, started(1), claimed(1), redispatchedV1])!;
      expect(run).toMatchObject({ status: 'running', attempt: 2, workerId: null, startedAt: at(2), redispatches: 1 });
    });
    it('counts each redispatch of the chain, and a fresh start resets the count', () => {
      const twice = [created, started(1), redispatchedV1, { ...redispatchedV1, data: { ...redispatchedV1.data, attempt: 3, previousAttempt: 2 } }] as RunEventDraft[];
      expect(fold(twice)).toMatchObject({ attempt: 3, startedAt: at(2), redispatches: 2 });
      expect(fold([...twice, started(4)])).toMatchObject({ attempt: 4, startedAt: at(5), redispatches: 0 });
    });
  });

  describe('foldDraft applies a draft as the next stored event', () => {
    it('the first event of a run gets the first sequence', () => {
      const run = foldDraft(null, { type: 'RunCreatedV2', data: v2Created() } as RunEventDraft, NOW);
      expect(run).toMatchObject({ id: RUN_ID, lastEventSequence: RUN_FIRST_SEQUENCE, createdAt: NOW.toISOString() });
    });
    it('a later one the sequence after the last', () => {
      const running = fold(HISTORY.running)!;
      expect(running.lastEventSequence).toBe(3);
      expect(foldDraft(running, phase('act'), NOW)).toMatchObject({ phase: 'act', lastEventSequence: 4, updatedAt: NOW.toISOString() });
    });
  });

  describe('CreateRun without a fork', () => {
    it('with data and no message: the message is null and the data is kept', () =>
      expect(creationFor({ threadId: 42, input: { data: { task: 'Q4' } } }).data.spec.input).toEqual({ message: null, data: { task: 'Q4' } }));
    it('with neither a message nor data: both are null', () =>
      expect(creationFor({ threadId: 42 }).data.spec.input).toEqual({ message: null, data: null }));
    it('keeps the phases the sender declared', () =>
      expect(creationFor({ threadId: 42, triggerMessage: 'hi', phases: ['plan', 'act'] }).data.spec.phases).toEqual(['plan', 'act']));
    it('over nothing (no thread): no thread, no conversation, snapshot revision 0', () => {
      const { data } = creationFor({ triggerMessage: 'hi' }, { thread: null });
      expect(data).toMatchObject({ threadId: null, snapshotRevision: 0 });
      expect(data.spec.conversation).toBeNull();
    });
    it('over a thread: its revision and message count', () => {
      const { data } = creationFor({ threadId: 42, triggerMessage: 'hi' }, { thread: { ...THREAD, revision: 5, messageCount: 2 } });
      expect(data).toMatchObject({ threadId: 42, snapshotRevision: 5 });
      expect(data.spec.conversation).toEqual({ kind: 'thread', threadId: 42, messages: 2 });
    });
  });

  describe('a fork overriding what it inherits', () => {
    const source = () => {
      const spec = { ...v2Created().spec, input: { message: 'src', data: { a: 1 } }, phases: ['plan'] };
      return fold([{ type: 'RunCreatedV2', data: { ...v2Created(), spec } } as RunEventDraft, started(1)])!;
    };
    const forkWith = (data: Record<string, unknown>) => creationFor({ runId: 'run-2', forkOf: { runId: RUN_ID }, ...data }, { thread: null, source: source() }).data.spec;
    it('inherits the source input and phases when it gives none', () =>
      expect(forkWith({})).toMatchObject({ input: { message: 'src', data: { a: 1 } }, phases: ['plan'] }));
    it('takes its own data and phases over the source ones', () =>
      expect(forkWith({ input: { data: { b: 2 } }, phases: ['act'] })).toMatchObject({ input: { message: 'src', data: { b: 2 } }, phases: ['act'] }));
  });

  describe('a phase report against a run that declared no phases', () => {
    const reporting = (phaseName: unknown) =>
      given(CLAIMED).when(reportAs(WORKER, 1, [{ kind: 'phase_started', phase: phaseName } as WorkerReport]));
    it('takes a name of the phase pattern', () => reporting('review').then([phase('review')]));
    it.each<[string, unknown]>([
      ['an array whose text fits the pattern', ['plan']],
      ['a number', 42],
      ['null', null],
    ])('refuses %s (a phase is a string)', (_name, value) => reporting(value).thenThrows(ErrorCode.ValidationFailed));
  });

  describe('a phase report against a run that declared its phases', () => {
    const declared = () => {
      const spec = { ...v2Created().spec, phases: ['plan', 'act'] };
      return [{ type: 'RunCreatedV2', data: { ...v2Created(), spec } } as RunEventDraft, started(1), claimed(1)];
    };
    it('takes a declared phase', () => given(declared()).when(reportAs(WORKER, 1, [{ kind: 'phase_started', phase: 'act' }])).then([phase('act')]));
    it('refuses one it did not declare, though its name fits the pattern', () =>
      given(declared()).when(reportAs(WORKER, 1, [{ kind: 'phase_started', phase: 'review' }])).thenThrows(ErrorCode.ValidationFailed));
  });
});
