import { ErrorCode, type LeaseLossReason, type UsageIncrement, type WorkerReport } from '#contracts';
import {
  AGENT,
  ATTEMPT,
  CLAIMED,
  EXPIRES_AT,
  HISTORY,
  NOW,
  OTHER_USER,
  OTHER_WORKER,
  OWNER,
  SYSTEM,
  WAITING,
  WORKER,
  claimRun,
  claimed,
  completed,
  expireInput,
  expireLease,
  failed,
  given,
  inputExpiring,
  inputProvided,
  inputRequested,
  messageDelta,
  phase,
  redispatched,
  reportAs,
  retried,
  shift,
  toolCallCompleted,
  toolCalled,
  usageRecorded,
} from './__tests__/run.fixtures';

const TERMINAL = ['completed', 'failed', 'cancelled'] as const;

describe('worker decisions', () => {
  describe('ClaimRun', () => {
    it('the first claim of the current attempt records RunClaimed', () =>
      given(HISTORY.running).when(claimRun(1)).then([claimed(1, WORKER)]));
    it('a claim by Runstream itself (system actor) is accepted', () =>
      given(HISTORY.running).when(claimRun(1, WORKER, SYSTEM)).then([claimed(1, WORKER)]));
    it('an attempt waiting for input can be claimed', () =>
      given([...HISTORY.running, inputRequested(1)]).when(claimRun(1)).then([claimed(1, WORKER)]));
    it('a repeated claim by the holder changes nothing', () =>
      given(CLAIMED).when(claimRun(1, WORKER)).then([]));
    it('a claim by another worker is refused', () =>
      given(CLAIMED).when(claimRun(1, OTHER_WORKER)).thenThrows(ErrorCode.NotLeaseHolder));
    it.each([0, 2])('refuses attempt %i when the run is at attempt 1', (attempt) =>
      given(HISTORY.running).when(claimRun(attempt)).thenThrows(ErrorCode.StaleAttempt));
    it.each([OWNER, OTHER_USER])('is forbidden to user $id', (actor) =>
      given(HISTORY.running).when(claimRun(1, WORKER, actor)).thenThrows(ErrorCode.Forbidden));
    it.each(TERMINAL)('refuses a %s run', (status) =>
      given(HISTORY[status]).when(claimRun(ATTEMPT[status])).thenThrows(ErrorCode.InvalidTransition));
    it('refuses a pending run', () => given(HISTORY.pending).when(claimRun(0)).thenThrows(ErrorCode.InvalidTransition));
    it('is not found on a missing run', () => given([]).when(claimRun(1)).thenThrows(ErrorCode.RunNotFound));
    it('after a redispatch another worker claims the new attempt', () =>
      given([...CLAIMED, redispatched(2)]).when(claimRun(2, OTHER_WORKER)).then([claimed(2, OTHER_WORKER)]));
    it('after a redispatch the previous holder cannot claim its old attempt', () =>
      given([...CLAIMED, redispatched(2)]).when(claimRun(1, WORKER)).thenThrows(ErrorCode.StaleAttempt));
  });

  describe('ReportRunProgress: report kinds', () => {
    const reporting = (reports: WorkerReport[]) => given(CLAIMED).when(reportAs(WORKER, 1, reports));

    it('message_delta becomes RunMessageDelta', () =>
      reporting([{ kind: 'message_delta', messageId: 'm-1', text: 'Looking at flights' }]).then([
        messageDelta(1, 'm-1', 'Looking at flights'),
      ]));
    it('tool_call becomes RunToolCalled with its input', () =>
      reporting([{ kind: 'tool_call', callId: 'c-1', name: 'search', input: { q: 'Lisbon' } }]).then([
        toolCalled(1, 'c-1', 'search', { q: 'Lisbon' }),
      ]));
    it('tool_call without input records input null', () =>
      reporting([{ kind: 'tool_call', callId: 'c-1', name: 'now' }]).then([toolCalled(1, 'c-1', 'now', null)]));
    it('tool_result becomes RunToolCallCompleted with output and isError', () =>
      reporting([{ kind: 'tool_result', callId: 'c-1', output: 'rate limited', isError: true }]).then([
        toolCallCompleted(1, 'c-1', 'rate limited', true),
      ]));
    it('tool_result without output or isError records output null and isError false', () =>
      reporting([{ kind: 'tool_result', callId: 'c-1' }]).then([toolCallCompleted(1, 'c-1', null, false)]));
    it('completed becomes RunCompleted with the result', () =>
      reporting([{ kind: 'completed', result: { hotels: 3 } }]).then([completed(1, { hotels: 3 })]));
    it('failed becomes RunFailed with the error message', () =>
      reporting([{ kind: 'failed', errorMessage: 'tool crashed' }]).then([failed(1, 'tool crashed')]));

    describe('usage', () => {
      it.each(['inputTokens', 'outputTokens', 'cachedInputTokens'])('refuses a fractional %s', (field) =>
        reporting([{ kind: 'usage', inputTokens: 10, [field]: 0.5 }]).thenThrows(ErrorCode.ValidationFailed));
      it('refuses a model that is not a string', () =>
        reporting([{ kind: 'usage', model: 42 as unknown as string }]).thenThrows(ErrorCode.ValidationFailed));
      const full: UsageIncrement = { inputTokens: 1200, outputTokens: 340, cachedInputTokens: 800, costUsd: 0.0123, credits: 2, model: 'gpt-x' };
      it('becomes RunUsageRecorded with every field', () =>
        reporting([{ kind: 'usage', ...full }]).then([usageRecorded(1, full)]));
      it('missing numbers count as 0 and a missing model is null', () =>
        reporting([{ kind: 'usage', outputTokens: 5 }]).then([
          { type: 'RunUsageRecorded', data: { attempt: 1, inputTokens: 0, outputTokens: 5, cachedInputTokens: 0, costUsd: 0, credits: 0, model: null } },
        ]));
      it('accepts cachedInputTokens equal to inputTokens', () =>
        reporting([{ kind: 'usage', inputTokens: 10, cachedInputTokens: 10 }]).then([usageRecorded(1, { inputTokens: 10, cachedInputTokens: 10 })]));

      const numeric = ['inputTokens', 'outputTokens', 'cachedInputTokens', 'costUsd', 'credits'] as const;
      const bad: [string, unknown][] = [
        ['negative', -1],
        ['NaN', Number.NaN],
        ['Infinity', Number.POSITIVE_INFINITY],
        ['a numeric string', '5'],
      ];
      it.each(numeric.flatMap((field) => bad.map(([label, value]) => [field, label, value] as const)))(
        'refuses %s that is %s',
        (field, _label, value) =>
          // inputTokens is large so that only the field under test is wrong
          reporting([{ kind: 'usage', inputTokens: 1000, [field]: value } as WorkerReport]).thenThrows(ErrorCode.ValidationFailed),
      );
      it('refuses cachedInputTokens greater than inputTokens', () =>
        reporting([{ kind: 'usage', inputTokens: 10, cachedInputTokens: 11 }]).thenThrows(ErrorCode.ValidationFailed));
      it('refuses cachedInputTokens without inputTokens (0)', () =>
        reporting([{ kind: 'usage', cachedInputTokens: 1 }]).thenThrows(ErrorCode.ValidationFailed));
    });

    describe('input_requested', () => {
      it('becomes RunInputRequested with the prompt and the deadline', () =>
        reporting([{ kind: 'input_requested', prompt: 'Which dates?', expiresAt: EXPIRES_AT }]).then([inputRequested(1, EXPIRES_AT, 'Which dates?')]));
      it('normalizes the deadline to UTC ISO', () =>
        reporting([{ kind: 'input_requested', prompt: 'p', expiresAt: '2030-01-01T13:05:00+01:00' }]).then([
          inputRequested(1, '2030-01-01T12:05:00.000Z', 'p'),
        ]));
      it.each([undefined, null])('a deadline of %s records expiresAt null', (expiresAt) =>
        reporting([{ kind: 'input_requested', prompt: 'p', expiresAt }]).then([inputRequested(1, null, 'p')]));
      it.each([
        ['in the past', '2030-01-01T11:59:59.999Z'],
        ['exactly now', NOW.toISOString()],
        ['not an instant', 'tomorrow'],
        ['empty', ''],
      ])('refuses a deadline %s', (_label, expiresAt) =>
        reporting([{ kind: 'input_requested', prompt: 'p', expiresAt }]).thenThrows(ErrorCode.ValidationFailed));
      it('accepts a deadline 1 ms in the future', () =>
        reporting([{ kind: 'input_requested', prompt: 'p', expiresAt: '2030-01-01T12:00:00.001Z' }]).then([
          inputRequested(1, '2030-01-01T12:00:00.001Z', 'p'),
        ]));
    });
  });

  describe('ReportRunProgress: the lease holder', () => {
    it('accepts the holder', () =>
      given(CLAIMED).when(reportAs(WORKER, 1, [{ kind: 'phase_started', phase: 'act' }])).then([phase('act')]));
    it('refuses another worker after a claim', () =>
      given(CLAIMED).when(reportAs(OTHER_WORKER, 1, [{ kind: 'phase_started', phase: 'act' }])).thenThrows(ErrorCode.NotLeaseHolder));
    it('refuses a report without workerId after a claim', () =>
      given(CLAIMED).when(reportAs(undefined, 1, [{ kind: 'phase_started', phase: 'act' }])).thenThrows(ErrorCode.NotLeaseHolder));
    it.each([WORKER, OTHER_WORKER, undefined])('before any claim accepts workerId %s', (workerId) =>
      given(HISTORY.running).when(reportAs(workerId, 1, [{ kind: 'phase_started', phase: 'act' }])).then([phase('act')]));
    it('refuses the previous holder after a redispatch (its attempt is stale)', () =>
      given([...CLAIMED, redispatched(2)]).when(reportAs(WORKER, 1, [{ kind: 'completed' }])).thenThrows(ErrorCode.StaleAttempt));
    it('refuses the previous holder once the new attempt is claimed by another worker', () =>
      given([...CLAIMED, redispatched(2), claimed(2, OTHER_WORKER)])
        .when(reportAs(WORKER, 2, [{ kind: 'completed' }]))
        .thenThrows(ErrorCode.NotLeaseHolder));
    it('accepts the new holder of the redispatched attempt', () =>
      given([...CLAIMED, redispatched(2), claimed(2, OTHER_WORKER)])
        .when(reportAs(OTHER_WORKER, 2, [{ kind: 'completed', result: 'ok' }]))
        .then([completed(2, 'ok')]));
  });

  describe('ReportRunProgress while waiting_for_input', () => {
    const waiting = (reports: WorkerReport[]) => given(WAITING).when(reportAs(WORKER, 1, reports));
    it('accepts usage', () =>
      waiting([{ kind: 'usage', inputTokens: 7, outputTokens: 3 }]).then([usageRecorded(1, { inputTokens: 7, outputTokens: 3 })]));
    it('accepts failed', () => waiting([{ kind: 'failed', errorMessage: 'gave up' }]).then([failed(1, 'gave up')]));
    it.each<[string, WorkerReport]>([
      ['phase_started', { kind: 'phase_started', phase: 'act' }],
      ['message_delta', { kind: 'message_delta', messageId: 'm', text: 't' }],
      ['tool_call', { kind: 'tool_call', callId: 'c', name: 'n' }],
      ['tool_result', { kind: 'tool_result', callId: 'c' }],
      ['input_requested', { kind: 'input_requested', prompt: 'again?' }],
      ['completed', { kind: 'completed' }],
    ])('refuses %s', (_kind, report) => waiting([report]).thenThrows(ErrorCode.InvalidTransition));
    it('accepts message_delta again once input was provided', () =>
      given([...WAITING, inputProvided(1, 'May')])
        .when(reportAs(WORKER, 1, [{ kind: 'message_delta', messageId: 'm', text: 'ok' }]))
        .then([messageDelta(1, 'm', 'ok')]));
  });

  describe('ReportRunProgress batches (in order, all or nothing)', () => {
    it('later reports see the status earlier ones produced', () =>
      given(CLAIMED)
        .when(
          reportAs(WORKER, 1, [
            { kind: 'tool_call', callId: 'c-1', name: 'ask' },
            { kind: 'input_requested', prompt: 'Budget?', expiresAt: EXPIRES_AT },
            { kind: 'usage', inputTokens: 20, outputTokens: 4 },
            { kind: 'failed', errorMessage: 'no budget' },
          ]),
        )
        .then([toolCalled(1, 'c-1', 'ask', null), inputRequested(1, EXPIRES_AT, 'Budget?'), usageRecorded(1, { inputTokens: 20, outputTokens: 4 }), failed(1, 'no budget')]));
    it.each<[string, WorkerReport[], ErrorCode]>([
      ['message_delta after input_requested', [{ kind: 'input_requested', prompt: 'p' }, { kind: 'message_delta', messageId: 'm', text: 't' }], ErrorCode.InvalidTransition],
      ['completed after input_requested', [{ kind: 'input_requested', prompt: 'p' }, { kind: 'completed' }], ErrorCode.InvalidTransition],
      ['usage after completed', [{ kind: 'completed' }, { kind: 'usage', inputTokens: 1 }], ErrorCode.InvalidTransition],
      ['a negative usage after a valid delta', [{ kind: 'message_delta', messageId: 'm', text: 't' }, { kind: 'usage', outputTokens: -5 }], ErrorCode.ValidationFailed],
      ['a past deadline after valid tool reports', [{ kind: 'tool_call', callId: 'c', name: 'n' }, { kind: 'tool_result', callId: 'c' }, { kind: 'input_requested', prompt: 'p', expiresAt: '2029-12-31T00:00:00.000Z' }], ErrorCode.ValidationFailed],
    ])('refuses the whole batch for %s', (_name, reports, code) =>
      given(CLAIMED).when(reportAs(WORKER, 1, reports)).thenThrows(code));
  });

  describe('ExpireLease', () => {
    it('redispatches a claimed attempt as attempt+1 naming the previous worker and the reason', () =>
      given(CLAIMED)
        .when(expireLease(1, 'lease_expired'))
        .then([
          {
            type: 'RunRedispatchedV2',
            data: { attempt: 2, snapshotRevision: 2, agent: { name: 'a1', version: null }, previousAttempt: 1, previousWorkerId: WORKER, reason: 'lease_expired' },
          },
        ]));
    it('redispatches an unclaimed attempt with previousWorkerId null', () =>
      given(HISTORY.running).when(expireLease(1, 'not_claimed')).then([redispatched(2, null, 'not_claimed')]));
    it('redispatches an attempt waiting for input', () =>
      given(WAITING).when(expireLease(1)).then([redispatched(2, WORKER, 'lease_expired')]));
    it('redispatches again while below the maximum (2)', () =>
      given([...CLAIMED, redispatched(2), claimed(2, OTHER_WORKER)])
        .when(expireLease(2))
        .then([redispatched(3, OTHER_WORKER, 'lease_expired')]));
    it.each<[LeaseLossReason, string]>([
      ['lease_expired', 'run abandoned: its worker stopped heart-beating (3 attempts)'],
      ['not_claimed', 'run abandoned: no worker claimed it (3 attempts)'],
    ])('after the maximum of redispatches a %s lease fails the run', (reason, errorMessage) =>
      given([...CLAIMED, redispatched(2), redispatched(3, null, 'not_claimed')])
        .when(expireLease(3, reason))
        .then([failed(3, errorMessage)]));
    it('with a maximum of 0 the first lost lease fails the run (1 attempt)', () =>
      given(CLAIMED, { maxRedispatches: 0 })
        .when(expireLease(1))
        .then([failed(1, 'run abandoned: its worker stopped heart-beating (1 attempt)')]));
    it('a retry starts a new chain: redispatches count from 0 again', () =>
      given([...CLAIMED, redispatched(2), redispatched(3, null), failed(3), retried(4)])
        .when(expireLease(4, 'not_claimed'))
        .then([redispatched(5, null, 'not_claimed')]));
    it.each([0, 2])('refuses attempt %i when the run is at attempt 1', (attempt) =>
      given(CLAIMED).when(expireLease(attempt)).thenThrows(ErrorCode.StaleAttempt));
    it('refuses the previous attempt after a redispatch', () =>
      given([...CLAIMED, redispatched(2)]).when(expireLease(1)).thenThrows(ErrorCode.StaleAttempt));
    it.each(TERMINAL)('refuses a %s run', (status) =>
      given(HISTORY[status]).when(expireLease(ATTEMPT[status])).thenThrows(ErrorCode.InvalidTransition));
    it('refuses a pending run', () => given(HISTORY.pending).when(expireLease(0)).thenThrows(ErrorCode.InvalidTransition));
    it('is forbidden to a user', () => given(CLAIMED).when(expireLease(1, 'lease_expired', OWNER)).thenThrows(ErrorCode.Forbidden));
    it('is accepted from an agent actor', () => given(CLAIMED).when(expireLease(1, 'lease_expired', AGENT)).then([redispatched(2)]));
  });

  describe('ExpireInput', () => {
    const failedForDeadline = failed(1, `no input was provided before ${EXPIRES_AT}`);

    it('warning appends RunInputExpiring with the deadline', () =>
      given(WAITING).when(expireInput(1, 'warning')).then([inputExpiring(1, EXPIRES_AT)]));
    it('a second warning changes nothing', () =>
      given([...WAITING, inputExpiring(1)]).when(expireInput(1, 'warning')).then([]));
    it('a new request after input was provided is warned again', () =>
      given([...WAITING, inputExpiring(1), inputProvided(1, 'May'), inputRequested(1, '2030-01-01T12:30:00.000Z')])
        .when(expireInput(1, 'warning'))
        .then([inputExpiring(1, '2030-01-01T12:30:00.000Z')]));
    it('expired before the deadline is refused', () =>
      given(WAITING).when(expireInput(1, 'expired')).thenThrows(ErrorCode.InvalidTransition));
    it('expired 1 ms before the deadline is refused', () =>
      given(WAITING, { now: shift(EXPIRES_AT, -1) }).when(expireInput(1, 'expired')).thenThrows(ErrorCode.InvalidTransition));
    it('expired at the deadline fails the run', () =>
      given(WAITING, { now: shift(EXPIRES_AT, 0) }).when(expireInput(1, 'expired')).then([failedForDeadline]));
    it('expired after the deadline (and after a warning) fails the run', () =>
      given([...WAITING, inputExpiring(1)], { now: shift(EXPIRES_AT, 60_000) }).when(expireInput(1, 'expired')).then([failedForDeadline]));
    it.each(['warning', 'expired'] as const)('%s on a running run (not waiting) is refused', (stage) =>
      given(CLAIMED, { now: shift(EXPIRES_AT, 1) }).when(expireInput(1, stage)).thenThrows(ErrorCode.InvalidTransition));
    it.each(['warning', 'expired'] as const)('%s after the input was provided is refused', (stage) =>
      given([...WAITING, inputProvided(1, 'May')], { now: shift(EXPIRES_AT, 1) }).when(expireInput(1, stage)).thenThrows(ErrorCode.InvalidTransition));
    it.each(['warning', 'expired'] as const)('%s on a request without a deadline is refused', (stage) =>
      given([...CLAIMED, inputRequested(1, null)], { now: shift(EXPIRES_AT, 1) }).when(expireInput(1, stage)).thenThrows(ErrorCode.InvalidTransition));
    it.each(TERMINAL)('refuses a %s run', (status) =>
      given(HISTORY[status], { now: shift(EXPIRES_AT, 1) }).when(expireInput(ATTEMPT[status], 'expired')).thenThrows(ErrorCode.InvalidTransition));
    it('refuses a stale attempt', () =>
      given(WAITING, { now: shift(EXPIRES_AT, 1) }).when(expireInput(2, 'expired')).thenThrows(ErrorCode.StaleAttempt));
    it('is forbidden to a user', () =>
      given(WAITING, { now: shift(EXPIRES_AT, 1) }).when(expireInput(1, 'expired', OWNER)).thenThrows(ErrorCode.Forbidden));
  });
});
