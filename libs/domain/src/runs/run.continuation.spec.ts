import { ErrorCode, type RunCommand, type RunSnapshot } from '#contracts';
import type { RunEventDraft } from './run.rules';
import {
  HISTORY,
  NOW,
  OTHER_USER,
  OWNER,
  RUN_ID,
  completed,
  fold,
  given,
  meta,
  restarted,
  v2Created,
} from './__tests__/run.fixtures';

const restartRun = (actor = OWNER): RunCommand => ({ type: 'RestartRun', data: { runId: RUN_ID }, metadata: meta(actor) });
const forkRun = (sequence?: number, actor = OWNER): RunCommand => ({
  type: 'CreateRun',
  data: { runId: 'fork-1', forkOf: sequence === undefined ? { runId: RUN_ID } : { runId: RUN_ID, sequence }, autoStart: true },
  metadata: meta(actor),
});

describe('restart: a finished run continues its conversation in a new attempt', () => {
  it.each(['completed', 'failed', 'cancelled'] as const)('restarts a %s run as the next attempt', (status) =>
    given(HISTORY[status]).when(restartRun()).then([restarted(status === 'failed' ? 3 : 2)]));
  it.each(['pending', 'running'] as const)('refuses a %s run', (status) =>
    given(HISTORY[status]).when(restartRun()).thenThrows(ErrorCode.InvalidTransition));
  it("refuses another user's private run as not found", () =>
    given(HISTORY.completed).when(restartRun(OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
});

describe('fork: a new run that continues another run by reference', () => {
  const source = fold([{ type: 'RunCreatedV2', data: { ...v2Created(), visibility: 'project' } }, ...HISTORY.completed.slice(1)]) as RunSnapshot;
  const forked = (sequence: number, userId = OWNER.id): RunEventDraft[] => [
    {
      type: 'RunCreatedV2',
      data: {
        ...v2Created(),
        runId: 'fork-1',
        threadId: null,
        userId,
        visibility: 'project',
        snapshotRevision: source.snapshotRevision,
        spec: { ...v2Created().spec, conversation: { kind: 'run', runId: RUN_ID, sequence }, forkedFrom: { runId: RUN_ID, sequence } },
      },
    },
    { type: 'RunStartedV2', data: { attempt: 1, snapshotRevision: source.snapshotRevision, agent: { name: 'a1', version: null } } },
  ];

  it('forks at the last event by default, with the source agent, input and visibility', () =>
    given([], { source, thread: null, now: NOW }).when(forkRun()).then(forked(source.lastEventSequence)));
  it('forks at a given sequence', () => given([], { source, thread: null }).when(forkRun(2)).then(forked(2)));
  it('a project member forks a project run as their own', () =>
    given([], { source, thread: null }).when(forkRun(1, OTHER_USER)).then(forked(1, OTHER_USER.id)));
  it.each([-1, 99, 1.5])('refuses the sequence %p', (sequence) =>
    given([], { source, thread: null }).when(forkRun(sequence)).thenThrows(ErrorCode.ValidationFailed));
  it('refuses a source the forker cannot see', () =>
    given([], { source: { ...source, visibility: 'private' }, thread: null }).when(forkRun(undefined, OTHER_USER)).thenThrows(ErrorCode.RunNotFound));
  it('refuses a missing source', () => given([], { source: null, thread: null }).when(forkRun()).thenThrows(ErrorCode.RunNotFound));
  it('uses the completed fixture (attempt 1)', () => expect(completed(1).type).toBe('RunCompleted'));
});
