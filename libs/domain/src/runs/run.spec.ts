import { EMPTY_USAGE, NO_DESCRIPTION, type RunSnapshot } from '#contracts';
import type { RunEventDraft } from './run.rules';
import { DEFAULT_RUN_OPTIONS, evolveRun } from './run';
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
  moved,
  phase,
  restarted,
  retried,
  retriedV1,
  started,
  startedV1,
  toEvents,
} from './__tests__/run.fixtures';

describe('evolveRun', () => {
  const snapshot = (drafts: RunEventDraft[]) => fold(drafts) as RunSnapshot;
  const base = snapshot([created]);

  it('a v1 RunCreated makes a pending run at attempt 0: private, default project, no version, its trigger as input', () =>
    expect(base).toEqual({
      id: RUN_ID, threadId: 42, userId: OWNER.id, org: 'acme', project: 'default', visibility: 'private',
      agent: 'a1', agentVersion: null, triggerMessage: 'hello', traceId: null,
      spec: {
        input: { message: 'hello', data: null }, options: DEFAULT_RUN_OPTIONS, labels: { tags: [], categories: [], properties: {} },
        createdBy: { name: null, email: null }, phases: [], conversation: null, forkedFrom: null,
      },
      status: 'pending', phase: null, attempt: 0, snapshotRevision: 1, cancelReason: null, errorMessage: null,
      result: null, lastEventSequence: 1, createdAt: at(1), updatedAt: at(1), startedAt: null, finishedAt: null,
      workerId: null, redispatches: 0, inputRequest: null, usage: EMPTY_USAGE, artifacts: [],
      answer: null, description: NO_DESCRIPTION, clock: Date.parse(at(1)),
    }));
  it('RunCreatedV2 carries access, agent version, trace and spec as given', () => {
    const spec = { ...base.spec, input: { message: null, data: { task: 'Q4' } }, phases: ['a', 'b'] };
    const v2 = snapshot([
      {
        type: 'RunCreatedV2',
        data: {
          runId: RUN_ID, threadId: null, userId: OWNER.id, org: 'acme', project: 'p1', visibility: 'project',
          agent: { name: 'a1', version: '2' }, snapshotRevision: 0, traceId: 'f'.repeat(32), spec,
        },
      },
    ]);
    expect(v2).toEqual({
      ...base, threadId: null, project: 'p1', visibility: 'project', agentVersion: '2', triggerMessage: '',
      traceId: 'f'.repeat(32), spec, snapshotRevision: 0,
    });
  });
  it('v1 and v2 attempt starts fold alike', () => {
    expect(snapshot([created, startedV1(1)])).toEqual(snapshot([created, started(1)]));
    expect(snapshot([created, started(1), failed(1), retriedV1(2)])).toEqual(snapshot([created, started(1), failed(1), retried(2)]));
  });
  it('RunRestarted continues a completed run in a new attempt, keeping its answer', () => {
    const answered: RunEventDraft[] = [...HISTORY.running, { type: 'RunAnswered', data: { attempt: 1, messageId: 'm1', content: 'Rome' } }, completed(1)];
    const after = snapshot([...answered, restarted(2)]);
    expect(after).toMatchObject({ status: 'running', attempt: 2, phase: null, result: null, finishedAt: null, startedAt: at(6) });
    expect(after.answer).toEqual({ attempt: 1, messageId: 'm1', content: 'Rome' });
  });
  it('RunDescribed keeps what the agent calls the conversation', () =>
    expect(snapshot([...HISTORY.running, { type: 'RunDescribed', data: { attempt: 1, name: 'n', title: 't', topic: null } }]).description).toEqual({
      name: 'n', title: 't', topic: null,
    }));
  it('the event clock counts one millisecond past the last event when an event is not later', () => {
    const events = toEvents([created, started(1), phase('plan')]);
    const same = events.map((e) => ({ ...e, metadata: { ...e.metadata, createdAt: at(1) } }));
    const state = same.reduce(evolveRun, null as ReturnType<typeof evolveRun>);
    expect(state?.clock).toBe(Date.parse(at(1)) + 2);
  });
  it('ignores anything but RunCreated on a missing run', () => expect(evolveRun(null, toEvents([created, started(1)])[1])).toBeNull());

  it('RunStarted takes attempt and revision from the event, sets startedAt and clears leftovers', () => {
    const dirty: RunSnapshot = { ...base, attempt: 4, snapshotRevision: 9, phase: 'act', result: 'old', errorMessage: 'old', cancelReason: 'old', finishedAt: at(0) };
    const event = toEvents([created, started(1)])[1];
    expect(evolveRun(dirty, event)).toEqual({
      ...base, status: 'running', phase: null, attempt: 1, snapshotRevision: 2, cancelReason: null, errorMessage: null,
      result: null, ...moved(2), startedAt: at(2), finishedAt: null,
    });
  });
  it('RunPhaseStarted only moves the phase', () => {
    const before = snapshot([created, started(1)]);
    expect(snapshot([created, started(1), phase('plan')])).toEqual({ ...before, phase: 'plan', ...moved(3) });
  });
  it('RunCompleted sets completed, phase done, result and finishedAt', () => {
    const before = snapshot(HISTORY.running);
    expect(snapshot([...HISTORY.running, completed(1)])).toEqual({
      ...before, status: 'completed', phase: 'done', result: { answer: 42 }, ...moved(4), finishedAt: at(4),
    });
  });
  it('RunCompleted without result stores null', () =>
    expect(snapshot([...HISTORY.running, { type: 'RunCompleted', data: { attempt: 1, result: undefined } }]).result).toBeNull());
  it('RunFailed sets failed, errorMessage and finishedAt, keeping the phase', () => {
    const before = snapshot(HISTORY.running);
    expect(snapshot([...HISTORY.running, failed(1, 'oops')])).toEqual({
      ...before, status: 'failed', errorMessage: 'oops', ...moved(4), finishedAt: at(4),
    });
  });
  it('RunCancelled sets cancelled, cancelReason and finishedAt', () => {
    expect(snapshot([created, cancelled('bored')])).toEqual({
      ...base, status: 'cancelled', cancelReason: 'bored', ...moved(2), finishedAt: at(2),
    });
  });
  it.each<[string, RunEventDraft]>([
    ['failed', failed(1, 'oops')],
    ['cancelled', cancelled('bored')],
  ])('RunRetried after %s runs the next attempt and clears errorMessage/cancelReason', (_name, ending) => {
    const before = snapshot([...HISTORY.running, ending]);
    expect(snapshot([...HISTORY.running, ending, retried(2)])).toEqual({
      ...before, status: 'running', phase: null, attempt: 2, snapshotRevision: 2, errorMessage: null, cancelReason: null,
      result: null, ...moved(5), startedAt: at(5), finishedAt: null,
    });
  });
});
