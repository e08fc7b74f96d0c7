import { ErrorCode, type RunCommand, type WorkerReport } from '#contracts';
import {
  AGENT,
  CLAIMED,
  HISTORY,
  OTHER_USER,
  OWNER,
  RUN_ID,
  SYSTEM,
  THREAD,
  WAITING,
  WORKER,
  cancelRun,
  cancelled,
  claimed,
  createRun,
  expireInput,
  fold,
  given,
  inputRequested,
  meta,
  reportAs,
  signalRun,
  signalled,
  stopRun,
  usageRecorded,
} from './__tests__/run.fixtures';
import { decideRun } from './run.decide';

/**
 * Edges the mutation run (StrykerJS) found no case for: each of these rules could be broken and
 * every other spec would still pass.
 */
describe('run rules at their edges', () => {
  const reporting = (reports: WorkerReport[], history = CLAIMED) => given(history).when(reportAs(WORKER, 1, reports));

  describe('stop and cancel of a run waiting for input', () => {
    it('stop ends it as stopped', () => given(WAITING).when(stopRun()).then([cancelled('stopped', 'stop')]));
    it('cancel ends it with the reason', () => given(WAITING).when(cancelRun(OWNER, 'enough')).then([cancelled('enough')]));
    it('another user cannot stop it (not found)', () => given(WAITING).when(stopRun(OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
  });

  describe('usage reported as explicit zero or null', () => {
    it('zero is recorded as zero', () =>
      reporting([{ kind: 'usage', inputTokens: 0, outputTokens: 0, costUsd: 0, credits: 0 }]).then([usageRecorded(1)]));
    it('null counts as zero', () =>
      reporting([{ kind: 'usage', inputTokens: null, outputTokens: 3, costUsd: null } as unknown as WorkerReport]).then([usageRecorded(1, { outputTokens: 3 })]));
    it('a null model is recorded as no model', () =>
      reporting([{ kind: 'usage', inputTokens: 1, model: null } as unknown as WorkerReport]).then([usageRecorded(1, { inputTokens: 1 })]));
    it.each([-1, -0.01, Number.NaN, Number.POSITIVE_INFINITY])('a cost of %p is refused', (costUsd) =>
      reporting([{ kind: 'usage', costUsd }]).thenThrows(ErrorCode.ValidationFailed));
    it('a fractional cost is kept', () => reporting([{ kind: 'usage', costUsd: 0.25 }]).then([usageRecorded(1, { costUsd: 0.25 })]));
  });

  describe('answer and describe reports', () => {
    const MAX_ANSWER_BYTES = 256 * 1024;
    it('an answer of exactly the limit is recorded, with the default message id', () =>
      reporting([{ kind: 'answer', content: 'a'.repeat(MAX_ANSWER_BYTES) }]).then([
        { type: 'RunAnswered', data: { attempt: 1, messageId: `${RUN_ID}:1`, content: 'a'.repeat(MAX_ANSWER_BYTES) } },
      ]));
    it('an answer keeps the message id it names', () =>
      reporting([{ kind: 'answer', content: 'hi', messageId: 'm-9' }]).then([{ type: 'RunAnswered', data: { attempt: 1, messageId: 'm-9', content: 'hi' } }]));
    it('an answer one byte over the limit is refused', () =>
      reporting([{ kind: 'answer', content: 'a'.repeat(MAX_ANSWER_BYTES + 1) }]).thenThrows(ErrorCode.ValidationFailed));
    it('an answer that is not a string is refused', () =>
      reporting([{ kind: 'answer', content: 42 } as unknown as WorkerReport]).thenThrows(ErrorCode.ValidationFailed));
    it('describe sets what it gives, clears what is null and keeps what it leaves out', () => {
      const described = [...CLAIMED, { type: 'RunDescribed' as const, data: { attempt: 1, name: 'n', title: 't', topic: 'old' } }];
      given(described)
        .when(reportAs(WORKER, 1, [{ kind: 'describe', name: 'x'.repeat(500), title: null }]))
        .then([{ type: 'RunDescribed', data: { attempt: 1, name: 'x'.repeat(500), title: null, topic: 'old' } }]);
    });
    it.each([['x'.repeat(501)], [42]])('describe refuses a field of %p', (name) =>
      reporting([{ kind: 'describe', name } as unknown as WorkerReport]).thenThrows(ErrorCode.ValidationFailed));
  });

  it('a report of an unknown kind is refused', () =>
    reporting([{ kind: 'teleport' } as unknown as WorkerReport]).thenThrows(ErrorCode.ValidationFailed));

  it('an unknown command is refused', () =>
    given(CLAIMED)
      .when({ type: 'LaunchRun', data: { runId: RUN_ID }, metadata: meta(OWNER) } as unknown as RunCommand)
      .thenThrows(ErrorCode.ValidationFailed));

  it('expiring an input request that has no deadline is an invalid transition', () =>
    given([...CLAIMED, inputRequested(1, null)]).when(expireInput(1, 'expired')).thenThrows(ErrorCode.InvalidTransition));

  describe('a signal payload at the limit', () => {
    const MAX_INPUT_BYTES = 32_768;
    // JSON.stringify of a string adds its two quotes.
    const payloadOf = (bytes: number) => 'p'.repeat(bytes - 2);
    it('of exactly the limit is accepted', () =>
      given(CLAIMED).when(signalRun('note', payloadOf(MAX_INPUT_BYTES))).then([signalled(1, 'note', payloadOf(MAX_INPUT_BYTES))]));
    it('one byte over is refused', () =>
      given(CLAIMED).when(signalRun('note', payloadOf(MAX_INPUT_BYTES + 1))).thenThrows(ErrorCode.PayloadTooLarge));
  });

  describe('who may create a run on a thread', () => {
    const foreign = { ...THREAD, ownerId: 'someone-else' };
    it('Runstream itself (a non-user actor) may, on a thread it does not own', () => {
      const events = decideRun(createRun({}, SYSTEM), null, { now: new Date(), thread: foreign, source: null, defaultAgent: 'default-agent', maxRedispatches: 2 });
      expect(events.map((e) => e.type)).toEqual(['RunCreatedV2']);
    });
    it('a user who cannot see the thread may not (not found)', () =>
      given([], { thread: foreign }).when(createRun({})).thenThrows(ErrorCode.ThreadNotFound));
    it('a user without a scopes claim at all may not (forbidden)', () =>
      given([]).when(createRun({}, { kind: 'user', id: OWNER.id, org: 'acme', project: 'default' } as typeof OWNER)).thenThrows(ErrorCode.Forbidden));
    it('a thread id that is not the loaded thread is not found', () =>
      given([]).when(createRun({ threadId: 7 })).thenThrows(ErrorCode.ThreadNotFound));
  });

  describe('forks', () => {
    const source = () => fold([...HISTORY.completed]);
    const forkAt = (sequence?: number, runId = RUN_ID) =>
      ({
        type: 'CreateRun',
        data: { runId: 'run-2', forkOf: { runId, ...(sequence === undefined ? {} : { sequence }) } },
        metadata: meta(OWNER),
      }) as unknown as RunCommand;
    const ctx = () => ({ now: new Date(), thread: null, source: source(), defaultAgent: 'default-agent', maxRedispatches: 2 });
    it('may fork at sequence 0', () => expect(decideRun(forkAt(0), null, ctx()).map((e) => e.type)).toEqual(['RunCreatedV2']));
    it('may not fork past the source\u2019s last event', () => {
      const last = source()!.lastEventSequence;
      expect(() => decideRun(forkAt(last + 1), null, ctx())).toThrow(expect.objectContaining({ code: ErrorCode.ValidationFailed }));
    });
    it('a negative fork point is refused', () =>
      expect(() => decideRun(forkAt(-1), null, ctx())).toThrow(expect.objectContaining({ code: ErrorCode.ValidationFailed })));
    it('a source that is not loaded, or another run, is not found', () => {
      expect(() => decideRun(forkAt(0), null, { ...ctx(), source: null })).toThrow(expect.objectContaining({ code: ErrorCode.RunNotFound }));
      expect(() => decideRun(forkAt(0, 'run-9'), null, ctx())).toThrow(expect.objectContaining({ code: ErrorCode.RunNotFound }));
    });
  });

  it('a claim by an agent after a redispatch-free history records the claim (actor kind agent)', () =>
    given(HISTORY.running).when({ type: 'ClaimRun', data: { runId: RUN_ID, attempt: 1, workerId: WORKER }, metadata: meta(AGENT) }).then([claimed(1, WORKER)]));
});
