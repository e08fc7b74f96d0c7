import { randomUUID } from 'node:crypto';
import { TestSystem } from './support/system';
import { PRINCIPALS, VisibilityMatrix, anyError, eventStream, owner, prescribed, type Answer, type Principal } from './support/visibility-fixtures';

/** The visibility matrix, one run at a time: the stored visibility defaults, then every endpoint about one run of every dialect × every principal × runs of every visibility. */
describe('visibility matrix (every endpoint × every principal × every visibility)', () => {
  let system: TestSystem;
  const matrix = new VisibilityMatrix();
  const { call, get, post, sse, subjects, threads } = matrix;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    await matrix.seed(system);
  });
  afterAll(() => system?.stop());

  it('visibility defaults: Travelmode runs and threads private, seed-003 runs org, Vertesia runs project unless private', async () => {
    const rows = await system.db.query<{ id: string; user_id: string; org: string; project: string; visibility: string }>(
      'SELECT id, user_id, org, project, visibility FROM runs WHERE id = ANY($1)',
      [subjects.map((s) => s.id)],
    );
    const stored = (id: string) => rows.find((r) => r.id === id);
    expect(subjects.map((s) => [s.kind, stored(s.id)])).toEqual(
      subjects.map((s) => [s.kind, { id: s.id, user_id: s.scope.ownerId, org: s.scope.org, project: s.scope.project, visibility: s.scope.visibility }]),
    );
    const threadRows = await system.db.query<{ id: number; visibility: string }>('SELECT id, visibility FROM threads WHERE id = ANY($1)', [threads.map((t) => t.id)]);
    expect(threads.map((t) => threadRows.find((r) => Number(r.id) === t.id)?.visibility)).toEqual(threads.map((t) => t.scope.visibility));
    // The Vertesia view shows it too.
    for (const s of subjects.filter((x) => x.kind.startsWith('Vertesia')))
      expect(((await get(owner, `/api/v1/agents/${s.id}`)).body as any).visibility).toBe(s.scope.visibility);
  });

  // ---- endpoints about one run --------------------------------------------------------------

  interface Target {
    id: string;
    artifactId: number;
  }
  interface RunProbe {
    name: string;
    /** Creating or controlling: needs `workflow:run`. */
    write?: boolean;
    /**
     * The answer to a principal allowed to do it, on a run waiting for input. A 400 ("cannot
     * start a run that is waiting_for_input") shows the request got past visibility and scope.
     */
    allowed: number;
    /** The allowed answer's body (default: anything). */
    shows?: (t: Target) => unknown;
    /** The same answer whoever asks (a route that refuses the credential's transport). */
    always?: number;
    /** The answer for a run that does not exist (default 404); a hidden run must get the same. */
    unknown?: number;
    send: (p: Principal, t: Target) => Promise<Answer>;
  }

  const RUN_PROBES: RunProbe[] = [
    // Travelmode (seeds 000–002)
    { name: 'GET /v1/agent-runs/{id}', allowed: 200, shows: (t) => expect.objectContaining({ run: expect.objectContaining({ id: t.id }) }), send: (p, t) => get(p, `/v1/agent-runs/${t.id}`) },
    { name: 'GET /v1/agent-runs/{id}/events', allowed: 200, shows: () => expect.objectContaining({ events: expect.any(Array) }), send: (p, t) => get(p, `/v1/agent-runs/${t.id}/events?since=0`) },
    { name: 'GET /v1/agent-runs/{id}/query/AgentPlan', allowed: 200, shows: () => expect.objectContaining({ name: 'AgentPlan' }), send: (p, t) => get(p, `/v1/agent-runs/${t.id}/query/AgentPlan`) },
    { name: 'POST /v1/agent-runs/{id}/signal/Note', write: true, allowed: 200, shows: (t) => ({ run: expect.objectContaining({ id: t.id }) }), send: (p, t) => post(p, `/v1/agent-runs/${t.id}/signal/Note`, { from: p.key }) },
    { name: 'POST /v1/agent-runs/{id}/control start', write: true, allowed: 400, send: (p, t) => post(p, `/v1/agent-runs/${t.id}/control`, { action: 'start' }) },
    { name: 'POST /v1/agent-runs/{id}/control retry', write: true, allowed: 400, send: (p, t) => post(p, `/v1/agent-runs/${t.id}/control`, { action: 'retry' }) },
    { name: 'GET /v1/agent-runs/{id}/stream (SSE, cookie)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/v1/agent-runs/${t.id}/stream?since=0`, 'cookie') },
    { name: 'GET /v1/agent-runs/{id}/stream (SSE, bearer: cookie only)', allowed: 401, always: 401, send: (p, t) => sse(p, `/v1/agent-runs/${t.id}/stream`, 'bearer') },
    { name: 'GET /v1/agent-runs/{id}/artifacts', allowed: 200, shows: (t) => ({ artifacts: [expect.objectContaining({ id: t.artifactId })] }), send: (p, t) => get(p, `/v1/agent-runs/${t.id}/artifacts`) },
    { name: 'GET /v1/agent-runs/{id}/artifacts/{artifactId}', allowed: 200, shows: (t) => ({ artifact: expect.objectContaining({ id: t.artifactId, content: { note: t.id } }) }), send: (p, t) => get(p, `/v1/agent-runs/${t.id}/artifacts/${t.artifactId}`) },
    { name: 'PATCH /v1/agent-runs/{id}/artifacts/{artifactId}', write: true, allowed: 200, shows: (t) => ({ artifact: expect.objectContaining({ id: t.artifactId, isPinned: true }) }), send: (p, t) => call(p, 'PATCH', `/v1/agent-runs/${t.id}/artifacts/${t.artifactId}`, { isPinned: true }) },
    { name: 'GET /v1/agent-runs/{id}/stream (SSE, cookie, straight to the stream-service)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/v1/agent-runs/${t.id}/stream`, 'cookie', system.streamServices[0]!.url) },
    { name: 'GET /v1/agent-runs/{id}/artifacts (straight to the artifact-service)', allowed: 200, shows: (t) => ({ artifacts: [expect.objectContaining({ id: t.artifactId })] }), send: (p, t) => call(p, 'GET', `/v1/agent-runs/${t.id}/artifacts`, undefined, {}, system.artifactServices[0]!.url) },
    // threads/runs (seed 003)
    { name: 'GET /v1/runs/{id}', allowed: 200, shows: (t) => expect.objectContaining({ run_id: t.id }), send: (p, t) => get(p, `/v1/runs/${t.id}`) },
    // A page cursor naming a run: a hidden run is refused exactly like an unknown one (400 here).
    { name: 'GET /v1/runs?before={id}', allowed: 200, unknown: 400, shows: () => expect.any(Array), send: (p, t) => get(p, `/v1/runs?limit=5&before=${t.id}`) },
    { name: 'GET /v1/runs/{id}/events (SSE, bearer)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/v1/runs/${t.id}/events?after_seq=0`, 'bearer') },
    { name: 'GET /v1/runs/{id}/events (SSE, bearer, straight to the stream-service)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/v1/runs/${t.id}/events`, 'bearer', system.streamServices[0]!.url) },
    // Vertesia (seed 004)
    { name: 'GET /api/v1/agents/{id}', allowed: 200, shows: (t) => expect.objectContaining({ id: t.id }), send: (p, t) => get(p, `/api/v1/agents/${t.id}`) },
    { name: 'GET /api/v1/agents/{id}/updates', allowed: 200, shows: () => expect.objectContaining({ messages: expect.any(Array) }), send: (p, t) => get(p, `/api/v1/agents/${t.id}/updates`) },
    { name: 'GET /api/v1/agents/{id}/query/AgentPlan', allowed: 200, send: (p, t) => get(p, `/api/v1/agents/${t.id}/query/AgentPlan`) },
    { name: 'POST /api/v1/agents/{id}/signal/UserInput', write: true, allowed: 200, shows: () => expect.objectContaining({ status: 'sent' }), send: (p, t) => post(p, `/api/v1/agents/${t.id}/signal/UserInput`, { message: `from ${p.key}` }) },
    { name: 'POST /api/v1/agents/{id}/restart', write: true, allowed: 400, send: (p, t) => post(p, `/api/v1/agents/${t.id}/restart`) },
    { name: 'POST /api/v1/agents/{id}/fork', write: true, allowed: 201, shows: (t) => expect.objectContaining({ forked_from: t.id }), send: (p, t) => post(p, `/api/v1/agents/${t.id}/fork`) },
    { name: 'GET /api/v1/agents/{id}/stream (SSE, bearer)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/api/v1/agents/${t.id}/stream`, 'bearer') },
    { name: 'GET /api/v1/agents/{id}/stream (SSE, access_token)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/api/v1/agents/${t.id}/stream`, 'query') },
    { name: 'GET /api/v1/agents/{id}/stream (SSE, bearer, straight to the stream-service)', allowed: 200, shows: () => eventStream, send: (p, t) => sse(p, `/api/v1/agents/${t.id}/stream`, 'bearer', system.streamServices[0]!.url) },
    { name: 'GET /api/v1/agents/{id}/artifacts', allowed: 200, shows: () => expect.arrayContaining(['report.txt']), send: (p, t) => get(p, `/api/v1/agents/${t.id}/artifacts`) },
    { name: 'GET /api/v1/agents/{id}/artifacts/{path}', allowed: 200, shows: (t) => `report of ${t.id}`, send: (p, t) => get(p, `/api/v1/agents/${t.id}/artifacts/report.txt`) },
    { name: 'GET /api/v1/agents/{id}/artifacts/{path}?url=1', allowed: 200, shows: () => expect.objectContaining({ url: expect.any(String) }), send: (p, t) => get(p, `/api/v1/agents/${t.id}/artifacts/report.txt?url=1`) },
    {
      name: 'PUT /api/v1/agents/{id}/artifacts/{path}',
      write: true,
      allowed: 201,
      shows: () => expect.objectContaining({ path: expect.stringMatching(/^probes\//) }),
      send: (p, t) => call(p, 'PUT', `/api/v1/agents/${t.id}/artifacts/probes/${p.key}.txt`, `from ${p.key}`, { 'content-type': 'text/plain' }),
    },
    { name: 'GET /api/v1/agents/{id}/artifacts/{path} (straight to the artifact-service)', allowed: 200, shows: (t) => `report of ${t.id}`, send: (p, t) => call(p, 'GET', `/api/v1/agents/${t.id}/artifacts/report.txt`, undefined, {}, system.artifactServices[0]!.url) },
    {
      name: 'PUT /api/v1/agents/{id}/artifacts/{path} (straight to the artifact-service)',
      write: true,
      allowed: 201,
      shows: () => expect.objectContaining({ path: expect.stringMatching(/^probes\//) }),
      send: (p, t) => call(p, 'PUT', `/api/v1/agents/${t.id}/artifacts/probes/${p.key}-direct.txt`, `from ${p.key}`, { 'content-type': 'text/plain' }, system.artifactServices[0]!.url),
    },
    {
      name: 'PUT /api/v1/agents/{id}/artifacts/{path} (empty: ask for a signed upload URL)',
      write: true,
      allowed: 200,
      shows: () => expect.objectContaining({ url: expect.any(String) }),
      send: (p, t) => call(p, 'PUT', `/api/v1/agents/${t.id}/artifacts/probes/${p.key}-2.txt`, '', { accept: 'application/json' }),
    },
  ];

  it.each(RUN_PROBES)('$name', async (probe) => {
    const rows: unknown[] = [];
    const want: unknown[] = [];
    // What each principal gets for a run that does not exist: a hidden run must be answered the same.
    const missing = new Map<string, Answer>();
    for (const p of PRINCIPALS) {
      const answer = await probe.send(p, { id: randomUUID(), artifactId: 1 });
      missing.set(p.who, answer);
      rows.push(['unknown run', p.who, answer.status, answer.body]);
      want.push(['unknown run', p.who, probe.always ?? (p.viewer ? (probe.unknown ?? 404) : 401), anyError]);
    }
    for (const s of subjects) {
      for (const p of PRINCIPALS) {
        const answer = await probe.send(p, s);
        rows.push([s.kind, p.who, answer.status, answer.body]);
        const expected = prescribed({ ...probe, shows: probe.shows?.(s) }, s.scope, p, missing.get(p.who));
        want.push([s.kind, p.who, expected.status, expected.body]);
      }
    }
    expect(rows).toEqual(want);
  });
});
