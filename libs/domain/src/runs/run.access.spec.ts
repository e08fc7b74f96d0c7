import { ErrorCode, type Actor, type Visibility } from '#contracts';
import type { RunEventDraft } from './run.rules';
import { OWNER, RUN_ID, cancelRun, cancelled, createRun, given, started, THREAD, v2Created } from './__tests__/run.fixtures';

/** A running run of OWNER (org acme, project default) with the given visibility. */
const runningWith = (visibility: Visibility): RunEventDraft[] => [{ type: 'RunCreatedV2', data: { ...v2Created(), visibility } }, started(1)];

const viewer = (id: string, org: string | undefined, project: string, scopes = ['workflow:run']): Actor => ({
  kind: 'user',
  id,
  ...(org === undefined ? {} : { org }),
  project,
  scopes,
});
const SAME_PROJECT = viewer('user-2', 'acme', 'default');
const OTHER_PROJECT = viewer('user-3', 'acme', 'research');
const OTHER_ORG = viewer('user-4', 'globex', 'default');
const NO_ORG = viewer('user-5', undefined, 'default');

describe('one visibility rule for every run command', () => {
  const matrix: [Visibility, Actor, boolean][] = [
    ['private', OWNER, true],
    ['private', SAME_PROJECT, false],
    ['private', OTHER_PROJECT, false],
    ['private', OTHER_ORG, false],
    ['project', OWNER, true],
    ['project', SAME_PROJECT, true],
    ['project', OTHER_PROJECT, false],
    ['project', OTHER_ORG, false],
    ['project', NO_ORG, false],
    ['org', SAME_PROJECT, true],
    ['org', OTHER_PROJECT, true],
    ['org', OTHER_ORG, false],
    ['org', NO_ORG, false],
  ];
  it.each(matrix)('a %s run cancelled by %o: allowed %s', (visibility, actor, allowed) => {
    const when = given(runningWith(visibility)).when(cancelRun(actor, 'x'));
    if (allowed) when.then([cancelled('x')]);
    else when.thenThrows(ErrorCode.RunNotFound);
  });

  it('without workflow:run, controlling a visible run is forbidden', () =>
    given(runningWith('project')).when(cancelRun({ ...SAME_PROJECT, scopes: [] })).thenThrows(ErrorCode.Forbidden));
  it('without workflow:run, a run one cannot see is still not found (404 wins)', () =>
    given(runningWith('private')).when(cancelRun({ ...SAME_PROJECT, scopes: [] })).thenThrows(ErrorCode.RunNotFound));
  it('creating a run needs workflow:run too', () =>
    given([]).when(createRun({}, { ...OWNER, scopes: ['read'] })).thenThrows(ErrorCode.Forbidden));
  it("creating a run on a project thread of another member of the project is allowed", () =>
    given([], { thread: { ...THREAD, visibility: 'project', ownerId: 'user-9' } })
      .when(createRun({}, SAME_PROJECT))
      .then([
        {
          type: 'RunCreatedV2',
          data: {
            ...v2Created(),
            userId: SAME_PROJECT.id,
            snapshotRevision: 3,
            agent: { name: 'default-agent', version: null },
            spec: { ...v2Created().spec, conversation: { kind: 'thread', threadId: 42, messages: 0 } },
          },
        },
      ]));
  it('the run id of the fixture is the one created', () => expect(v2Created().runId).toBe(RUN_ID));
});
