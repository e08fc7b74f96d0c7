import { EMPTY_USAGE, type RunSnapshot } from '#contracts';
import type { RunEventDraft } from './run.rules';
import { evolveRun } from './run';
import {
  HISTORY,
  OWNER,
  RUN_ID,
  at,
  cancelled,
  completed,
  created,
  failed,
  fold,
  phase,
  retried,
  started,
  toEvents,
} from './__tests__/run.fixtures';

describe('evolveRun', () => {
  const snapshot = (drafts: RunEventDraft[]) => fold(drafts) as RunSnapshot;
  const base = snapshot([created]);

  it('RunCreated makes a pending run at attempt 0', () =>
    expect(base).toEqual({
      id: RUN_ID, threadId: 42, userId: OWNER.id, org: 'acme', agent: 'a1', triggerMessage: 'hello',
      status: 'pending', phase: null, attempt: 0, snapshotRevision: 1, cancelReason: null, errorMessage: null,
      result: null, lastEventSequence: 1, createdAt: at(1), updatedAt: at(1), startedAt: null, finishedAt: null,
      workerId: null, redispatches: 0, inputRequest: null, usage: EMPTY_USAGE, artifacts: [],
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
