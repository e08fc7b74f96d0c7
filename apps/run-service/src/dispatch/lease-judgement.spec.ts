import { judgeRun, type ActiveRun } from './lease-judgement';

const T = { leaseTimeoutMs: 10_000, claimTimeoutMs: 60_000, inputWarningMs: 30_000 };
const NOW = Date.parse('2030-01-01T12:00:00Z');
const running: ActiveRun = { id: 'r', attempt: 2, status: 'running', inputRequest: null };
const lease = (ageMs: number) => ({ attempt: 2, workerId: 'w', renewedAt: NOW - ageMs });
const waiting = (expiresInMs: number | null, expiryWarned = false): ActiveRun => ({
  ...running,
  status: 'waiting_for_input',
  inputRequest: { prompt: 'Where?', expiresAt: expiresInMs === null ? null : new Date(NOW + expiresInMs).toISOString(), expiryWarned },
});

describe('judgeRun (lease monitor rules)', () => {
  it('leaves a freshly renewed lease alone', () => expect(judgeRun(running, lease(9_999), NOW, NOW, T)).toBeNull());
  it('expires a lease not renewed for LEASE_TIMEOUT_MS', () =>
    expect(judgeRun(running, lease(10_000), NOW, NOW, T)).toEqual({ kind: 'expire_lease', reason: 'lease_expired' }));
  it('gives an unclaimed attempt LEASE_CLAIM_TIMEOUT_MS from when it was first seen without a lease', () => {
    expect(judgeRun(running, null, NOW - 59_999, NOW, T)).toBeNull();
    expect(judgeRun(running, null, NOW - 60_000, NOW, T)).toEqual({ kind: 'expire_lease', reason: 'not_claimed' });
  });
  it('a run waiting for input without a deadline only needs its lease', () =>
    expect(judgeRun(waiting(null), lease(1_000), NOW, NOW, T)).toBeNull());
  it('warns INPUT_EXPIRY_WARNING_MS before the deadline, once', () => {
    expect(judgeRun(waiting(30_001), lease(0), NOW, NOW, T)).toBeNull();
    expect(judgeRun(waiting(30_000), lease(0), NOW, NOW, T)).toEqual({ kind: 'expire_input', stage: 'warning' });
    expect(judgeRun(waiting(1_000, true), lease(0), NOW, NOW, T)).toBeNull();
  });
  it('expires the input request at its deadline, warned or not', () => {
    expect(judgeRun(waiting(0, true), lease(0), NOW, NOW, T)).toEqual({ kind: 'expire_input', stage: 'expired' });
    expect(judgeRun(waiting(-5, false), lease(0), NOW, NOW, T)).toEqual({ kind: 'expire_input', stage: 'expired' });
  });
  it('a lost lease wins over an input deadline: the worker that would answer is gone', () =>
    expect(judgeRun(waiting(-5), lease(20_000), NOW, NOW, T)).toEqual({ kind: 'expire_lease', reason: 'lease_expired' }));
  it('a run that is not waiting for input is judged on its lease alone, whatever input request its row still carries', () => {
    const stale = { ...waiting(-5), status: 'running' as const };
    expect(judgeRun(stale, lease(0), NOW, NOW, T)).toBeNull();
    expect(judgeRun({ ...waiting(1_000), status: 'running' }, lease(0), NOW, NOW, T)).toBeNull();
  });
  it('a run waiting for input with no request recorded is judged on its lease alone', () =>
    expect(judgeRun({ ...running, status: 'waiting_for_input', inputRequest: null }, lease(0), NOW, NOW, T)).toBeNull());
});
