import { TestSystem } from './support/system';
import { ALICE, PRINCIPALS, VisibilityMatrix, prescribed, type Answer, type Principal, type Viewer } from './support/visibility-fixtures';

/** The visibility matrix for the endpoints about no particular run (lists, interactions, API keys, new threads and runs): only the credential and the scope matter. */
describe('visibility matrix (every endpoint × every principal × every visibility)', () => {
  let system: TestSystem;
  const matrix = new VisibilityMatrix();
  const { get, post } = matrix;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    await matrix.seed(system);
  });
  afterAll(() => system?.stop());

  // ---- endpoints about no particular run ------------------------------------------------------

  const GLOBAL_PROBES: { name: string; write?: boolean; allowed: number; shows: (v: Viewer) => unknown; send: (p: Principal) => Promise<Answer> }[] = [
    { name: 'GET /v1/agent-runs', allowed: 200, shows: () => expect.objectContaining({ runs: expect.any(Array) }), send: (p) => get(p, '/v1/agent-runs') },
    { name: 'GET /v1/runs', allowed: 200, shows: () => expect.any(Array), send: (p) => get(p, '/v1/runs') },
    { name: 'GET /api/v1/agents', allowed: 200, shows: () => expect.objectContaining({ items: expect.any(Array) }), send: (p) => get(p, '/api/v1/agents') },
    { name: 'GET /v1/threads', allowed: 200, shows: () => expect.objectContaining({ threads: expect.any(Array) }), send: (p) => get(p, '/v1/threads') },
    { name: 'GET /api/v1/interactions', allowed: 200, shows: () => expect.arrayContaining([expect.objectContaining({ name: 'trip-planner' })]), send: (p) => get(p, '/api/v1/interactions') },
    { name: 'GET /v1/api-keys', allowed: 200, shows: () => expect.objectContaining({ apiKeys: expect.any(Array) }), send: (p) => get(p, '/v1/api-keys') },
    { name: 'POST /v1/api-keys', allowed: 201, shows: (v) => ({ apiKey: expect.objectContaining({ org: v.org, project: v.project }), secret: expect.any(String) }), send: (p) => post(p, '/v1/api-keys', { name: `${p.key}'s key` }) },
    // Creating a thread is no run: it needs no scope.
    { name: 'POST /v1/threads', allowed: 201, shows: (v) => ({ thread: expect.objectContaining({ ownerId: v.userId }) }), send: (p) => post(p, '/v1/threads', { title: `${p.key}'s trip` }) },
    {
      name: 'POST /api/v1/agents',
      write: true,
      allowed: 201,
      shows: (v) => expect.objectContaining({ status: 'running', account: v.org, project: v.project, started_by: `user:${v.userId}`, visibility: 'project' }),
      send: (p) => post(p, '/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan 1 day in Rome' } }),
    },
  ];

  it.each(GLOBAL_PROBES)('$name', async (probe) => {
    const rows: unknown[] = [];
    const want: unknown[] = [];
    for (const p of PRINCIPALS) {
      const answer = await probe.send(p);
      rows.push([p.who, answer.status, answer.body]);
      // Everything is visible to its caller here: only the credential and the scope matter.
      const expected = prescribed({ ...probe, shows: p.viewer && probe.shows(p.viewer) }, { ...ALICE, ownerId: p.viewer?.userId ?? '', visibility: 'private' }, p, undefined);
      want.push([p.who, expected.status, expected.body]);
    }
    expect(rows).toEqual(want);
  });
});
