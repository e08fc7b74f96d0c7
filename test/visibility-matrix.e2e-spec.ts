import { randomUUID } from 'node:crypto';
import { SUBJECTS, canSee } from '#contracts';
import { ApiClient } from './support/api-client';
import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';
import { waitFor } from '../tools/harness';

/**
 * One access rule for every dialect (libs/contracts/src/access.ts): `private` = the owner only,
 * `project` = the owner's org and project, `org` = the owner's org. Not visible is a 404 exactly
 * like a missing run; creating and controlling needs `workflow:run` (403), but a 404 still wins.
 *
 * Every endpoint of every dialect is asked by every kind of principal about runs of all three
 * visibilities, and every answer is compared with the rule as documented. Lists are compared with
 * `canSee` over every row of the read model: nothing the principal may not see, nothing missing.
 */

type Visibility = 'private' | 'project' | 'org';
interface Scope {
  ownerId: string;
  org: string;
  project: string;
  visibility: Visibility;
}
interface Viewer {
  userId: string;
  org: string | null;
  project: string;
}
interface Principal {
  who: string;
  /** A short name for paths this principal writes. */
  key: string;
  /** The credential (a JWT or an API key secret); none: anonymous. */
  token?: string;
  /** Who the rule sees; absent when the credential is missing or no longer valid (401). */
  viewer?: Viewer;
  canRun: boolean;
}
interface Answer {
  status: number;
  body: unknown;
}

/** The documented rule, written out here independently of the product's code. */
function documentedRule(thing: Scope, viewer: Viewer): boolean {
  if (thing.ownerId === viewer.userId) return true;
  if (thing.visibility === 'private') return false;
  if (thing.visibility === 'org') return thing.org === viewer.org;
  return thing.org === viewer.org && thing.project === viewer.project;
}

const user = (who: string, key: string, sub: string, org: string, project: string, canRun: boolean): Principal => ({
  who,
  key,
  canRun,
  viewer: { userId: sub, org, project },
  token: signToken({ sub, org, project, ...(canRun ? { scope: 'workflow:run' } : {}), name: sub, email: `${sub}@example.com` }),
});

const ALICE = { userId: 'usr_alice', org: 'org_a', project: 'proj_1' };
const owner = user('owner', 'owner', ALICE.userId, ALICE.org, ALICE.project, true);
const revokedKey: Principal = { who: 'revoked API key (of the owner)', key: 'revoked', canRun: true };
const PRINCIPALS: Principal[] = [
  owner,
  user('same org, same project', 'bob', 'usr_bob', 'org_a', 'proj_1', true),
  user('same org, other project', 'carol', 'usr_carol', 'org_a', 'proj_2', true),
  // Same project name, other org: a project is only shared within its org.
  user('other org', 'mallory', 'usr_mallory', 'org_b', 'proj_1', true),
  user('owner without workflow:run', 'owner-ro', ALICE.userId, ALICE.org, ALICE.project, false),
  user('same project without workflow:run', 'dave-ro', 'usr_dave', 'org_a', 'proj_1', false),
  { who: 'no credential', key: 'anonymous', canRun: false },
  revokedKey,
];
const credentialed = () => PRINCIPALS.filter((p) => p.viewer);

const anyError = { error: expect.any(String) };
const needsScope = { error: expect.stringContaining('workflow:run') };
const NO_THREAD = 2_000_000_000;

/** The answer the rule prescribes: 401 without a valid credential, 404 (as for a missing one) when not visible, 403 without the scope. */
function prescribed(
  probe: { write?: boolean; allowed: number; shows?: unknown; always?: number },
  thing: Scope,
  p: Principal,
  missing: Answer | undefined,
  allowed = probe.allowed,
): Answer {
  if (probe.always !== undefined) return { status: probe.always, body: anyError };
  if (!p.viewer) return { status: 401, body: anyError };
  if (!documentedRule(thing, p.viewer)) return { status: missing?.status ?? 404, body: missing?.body };
  if (probe.write && !p.canRun) return { status: 403, body: needsScope };
  return { status: allowed, body: allowed >= 400 ? anyError : (probe.shows ?? expect.anything()) };
}

describe('visibility matrix (every endpoint × every principal × every visibility)', () => {
  let system: TestSystem;

  /** A request through the gateway, or straight to a service (`base`: an ingress may route there directly). */
  const call = async (p: Principal, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base?: string): Promise<Answer> => {
    const client = base ? new ApiClient(base, p.token) : system.api().as(p.token);
    const res = await client.request(method, path, body, headers);
    return { status: res.status, body: res.body };
  };
  const get = (p: Principal, path: string) => call(p, 'GET', path);
  const post = (p: Principal, path: string, body: unknown = {}) => call(p, 'POST', path, body);

  /** Opens an SSE stream; a 200 is answered with its content type, then the stream is closed. */
  async function sse(p: Principal, path: string, via: 'bearer' | 'cookie' | 'query', base = system.gateway!.url): Promise<Answer> {
    let url = `${base}${path}`;
    const options: { token?: string; bearer?: string } = {};
    if (p.token && via === 'cookie') options.token = p.token;
    if (p.token && via === 'bearer') options.bearer = p.token;
    if (p.token && via === 'query') url += `${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(p.token)}`;
    const stream = await SseConnection.open(url, options);
    if (stream.status !== 200) return { status: stream.status, body: stream.body };
    const type = stream.headers.get('content-type');
    stream.abort();
    await stream.done;
    return { status: 200, body: type };
  }
  const eventStream = expect.stringMatching(/^text\/event-stream/);

  // ---- the things looked at -------------------------------------------------------------------

  interface Subject {
    kind: string;
    scope: Scope;
    id: string;
    /** A typed (Travelmode) artifact of the run. */
    artifactId: number;
  }
  const scope = (visibility: Visibility): Scope => ({ ownerId: ALICE.userId, org: ALICE.org, project: ALICE.project, visibility });

  /** Alice's org-visible thread the Travelmode and seed-003 runs work over ("Plan a trip": the agent waits for input). */
  let sharedThread = 0;
  const KINDS: { kind: string; scope: Scope; create: () => Promise<string> }[] = [
    {
      kind: 'Travelmode run (private)',
      scope: scope('private'),
      create: async () => {
        const created = await post(owner, '/v1/agent-runs', { tripId: sharedThread, triggerMessage: 'Plan a trip' });
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        const id = (created.body as any).run.id as string;
        const started = await post(owner, `/v1/agent-runs/${id}/control`, { action: 'start' });
        if (started.status !== 200) throw new Error(`start: ${JSON.stringify(started)}`);
        return id;
      },
    },
    {
      kind: 'seed-003 run (org)',
      scope: scope('org'),
      create: async () => {
        const created = await post(owner, `/v1/threads/${sharedThread}/runs`, {});
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        return (created.body as any).run_id as string;
      },
    },
    {
      kind: 'Vertesia run (project)',
      scope: scope('project'),
      create: async () => {
        const created = await post(owner, '/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' } });
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        return (created.body as any).id as string;
      },
    },
    {
      kind: 'Vertesia run (private)',
      scope: scope('private'),
      create: async () => {
        const created = await post(owner, '/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' }, visibility: 'private' });
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        return (created.body as any).id as string;
      },
    },
  ];

  const statusOf = async (runId: string) => ((await get(owner, `/v1/agent-runs/${runId}`)).body as any).run.status as string;
  const waiting = (runId: string) =>
    waitFor(`run ${runId} waiting for input`, async () => (await statusOf(runId)) === 'waiting_for_input', 60_000, 100);

  /** A run of each kind, waiting for input (held by the reference agent, so queries are answered). */
  const subjects: Subject[] = [];
  /** Alice's threads of each visibility. */
  const threads: { kind: string; scope: Scope; id: number }[] = [];

  /** A typed artifact, recorded the way a worker does (core NATS request to the artifact-service). */
  async function typedArtifact(runId: string): Promise<number> {
    const run = ((await get(owner, `/v1/agent-runs/${runId}`)).body as any).run;
    const request = { runId, attempt: run.attempt, workerId: 'matrix-worker', agent: 'trip-planner', artifactType: 'notes', title: 'Notes', content: { note: runId } };
    const msg = await system.nc.request(SUBJECTS.artifactCreate, JSON.stringify(request), { timeout: 15_000 });
    const reply = JSON.parse(new TextDecoder().decode(msg.data));
    if (!reply.ok) throw new Error(`typed artifact: ${JSON.stringify(reply)}`);
    return reply.artifact.id as number;
  }

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });

    // The owner's API key, revoked: it must be refused (401) everywhere, like no credential.
    const key = await post(owner, '/v1/api-keys', { name: 'revoked in the matrix' });
    expect(key.status).toBe(201);
    revokedKey.token = (key.body as any).secret;
    expect((await call(owner, 'DELETE', `/v1/api-keys/${(key.body as any).apiKey.id}`)).status).toBe(200);
    await waitFor('the revoked key refused', async () => (await get(revokedKey, '/v1/agent-runs')).status === 401);

    const shared = await post(owner, '/v1/threads', { title: 'Shared trip', visibility: 'org' });
    sharedThread = (shared.body as any).thread.id;
    expect((await post(owner, `/v1/threads/${sharedThread}/messages`, { role: 'user', content: 'Plan a trip' })).status).toBe(201);

    for (const kind of KINDS) {
      const id = await kind.create();
      await waiting(id);
      const file = await call(owner, 'PUT', `/api/v1/agents/${id}/artifacts/report.txt`, `report of ${id}`, { 'content-type': 'text/plain' });
      expect(file.status).toBe(201);
      subjects.push({ kind: kind.kind, scope: kind.scope, id, artifactId: await typedArtifact(id) });
    }

    for (const visibility of ['private', 'project', 'org'] as const) {
      const created = await post(owner, '/v1/threads', { title: `A ${visibility} thread`, ...(visibility === 'private' ? {} : { visibility }) });
      expect(created.status).toBe(201);
      const id = (created.body as any).thread.id as number;
      // The runs created over it finish at once: the request names its destination.
      expect((await post(owner, `/v1/threads/${id}/messages`, { role: 'user', content: 'Plan 1 day in Rome' })).status).toBe(201);
      threads.push({ kind: `${visibility} thread`, scope: scope(visibility), id });
    }

    // A private Travelmode run over the org thread that finished, then an org run over it that
    // finished too: once the org run's answer is in the thread, the private run's completion has
    // been handled as well (the recorder takes completions in log order).
    const finished = await post(owner, '/v1/agent-runs', { tripId: sharedThread, triggerMessage: 'Plan 1 day in Rome' });
    const finishedId = (finished.body as any).run.id as string;
    expect((await post(owner, `/v1/agent-runs/${finishedId}/control`, { action: 'start' })).status).toBe(200);
    await waitFor('the private run finished', async () => ((await get(owner, `/v1/agent-runs/${finishedId}`)).body as any).run.status === 'completed' || null, 60_000, 100);
    expect((await post(owner, `/v1/threads/${sharedThread}/messages`, { role: 'user', content: 'Plan 1 day in Rome' })).status).toBe(201);
    const orgRun = ((await post(owner, `/v1/threads/${sharedThread}/runs`, {})).body as any).run_id as string;
    await waitFor('the org run answered in the org thread', async () =>
      ((await get(owner, `/v1/threads/${sharedThread}/messages?limit=100`)).body as any[]).some((m) => m.run_id === orgRun), 60_000, 100);
    // Runs the tests create later over the thread must wait for input again: its last request names no place.
    expect((await post(owner, `/v1/threads/${sharedThread}/messages`, { role: 'user', content: 'Plan a trip' })).status).toBe(201);

    // Other people's runs of every visibility, for the lists (they finish at once).
    const [bob, carol, mallory] = PRINCIPALS.slice(1, 4) as [Principal, Principal, Principal];
    const rome = { interaction: 'trip-planner', data: { task: 'Plan 1 day in Rome' } };
    for (const p of [bob, carol, mallory]) {
      expect((await post(p, '/api/v1/agents', rome)).status).toBe(201);
      expect((await post(p, '/api/v1/agents', { ...rome, visibility: 'private' })).status).toBe(201);
      const own = (await post(p, '/v1/threads', { title: `${p.key}'s trip` })).body as any;
      expect((await post(p, `/v1/threads/${own.thread.id}/messages`, { role: 'user', content: 'Plan 1 day in Rome' })).status).toBe(201);
      expect((await post(p, `/v1/threads/${own.thread.id}/runs`, {})).status).toBe(201);
      expect((await post(p, '/v1/agent-runs', { tripId: own.thread.id, triggerMessage: 'Plan 1 day in Rome' })).status).toBe(201);
    }
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

  // ---- endpoints about one thread -------------------------------------------------------------

  interface ThreadProbe {
    name: string;
    write?: boolean;
    allowed: number;
    shows?: (id: number) => unknown;
    send: (p: Principal, threadId: number) => Promise<Answer>;
  }
  const THREAD_PROBES: ThreadProbe[] = [
    { name: 'GET /v1/threads/{id}', allowed: 200, shows: (id) => ({ thread: expect.objectContaining({ id }) }), send: (p, id) => get(p, `/v1/threads/${id}`) },
    // Threads are not runs: changing one needs no scope, only seeing it.
    { name: 'PATCH /v1/threads/{id}', allowed: 200, shows: (id) => ({ thread: expect.objectContaining({ id }) }), send: (p, id) => call(p, 'PATCH', `/v1/threads/${id}`, { title: `edited by ${p.key}` }) },
    { name: 'GET /v1/threads/{id}/messages', allowed: 200, shows: () => expect.any(Array), send: (p, id) => get(p, `/v1/threads/${id}/messages`) },
    { name: 'POST /v1/threads/{id}/messages', allowed: 201, shows: (id) => expect.objectContaining({ thread_id: id }), send: (p, id) => post(p, `/v1/threads/${id}/messages`, { role: 'user', content: 'Plan 1 day in Rome' }) },
    { name: 'GET /v1/threads/{id}/runs', allowed: 200, shows: () => expect.any(Array), send: (p, id) => get(p, `/v1/threads/${id}/runs`) },
    { name: 'POST /v1/threads/{id}/runs', write: true, allowed: 201, shows: () => expect.objectContaining({ run_id: expect.any(String) }), send: (p, id) => post(p, `/v1/threads/${id}/runs`, {}) },
    { name: 'POST /v1/agent-runs { tripId }', write: true, allowed: 201, shows: (id) => ({ run: expect.objectContaining({ tripId: id }) }), send: (p, id) => post(p, '/v1/agent-runs', { tripId: id, triggerMessage: 'Plan 1 day in Rome' }) },
  ];

  it.each(THREAD_PROBES)('$name', async (probe) => {
    const rows: unknown[] = [];
    const want: unknown[] = [];
    const missing = new Map<string, Answer>();
    for (const p of PRINCIPALS) {
      const answer = await probe.send(p, NO_THREAD);
      missing.set(p.who, answer);
      rows.push(['unknown thread', p.who, answer.status, answer.body]);
      want.push(['unknown thread', p.who, p.viewer ? 404 : 401, anyError]);
    }
    for (const t of threads) {
      for (const p of PRINCIPALS) {
        const answer = await probe.send(p, t.id);
        rows.push([t.kind, p.who, answer.status, answer.body]);
        const expected = prescribed({ ...probe, shows: probe.shows?.(t.id) }, t.scope, p, missing.get(p.who));
        want.push([t.kind, p.who, expected.status, expected.body]);
      }
    }
    expect(rows).toEqual(want);
  });

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

  // ---- writes that change the run: each on a fresh run --------------------------------------

  interface FinalProbe {
    name: string;
    allowed: number;
    /** What the status becomes once it was allowed (the agent then runs on). */
    becomes: string[];
    send: (p: Principal, runId: string) => Promise<Answer>;
  }
  const FINAL_PROBES: FinalProbe[] = [
    { name: 'POST /v1/agent-runs/{id}/input', allowed: 200, becomes: ['running', 'completed'], send: (p, id) => post(p, `/v1/agent-runs/${id}/input`, { content: 'Lisbon' }) },
    { name: 'POST /v1/agent-runs/{id}/control stop', allowed: 200, becomes: ['cancelled'], send: (p, id) => post(p, `/v1/agent-runs/${id}/control`, { action: 'stop' }) },
    { name: 'POST /v1/agent-runs/{id}/control cancel', allowed: 200, becomes: ['cancelled'], send: (p, id) => post(p, `/v1/agent-runs/${id}/control`, { action: 'cancel', reason: `by ${p.key}` }) },
    { name: 'POST /v1/runs/{id}/input', allowed: 200, becomes: ['running', 'completed'], send: (p, id) => post(p, `/v1/runs/${id}/input`, { content: 'Lisbon' }) },
    { name: 'POST /v1/runs/{id}:cancel', allowed: 200, becomes: ['cancelled'], send: (p, id) => post(p, `/v1/runs/${id}:cancel`) },
    { name: 'DELETE /api/v1/agents/{id}', allowed: 200, becomes: ['cancelled'], send: (p, id) => call(p, 'DELETE', `/api/v1/agents/${id}?reason=${p.key}`) },
  ];

  it.each(FINAL_PROBES)('$name (on fresh runs: refused ones change nothing, the first allowed one acts, the rest find it done)', async (probe) => {
    const fresh = await Promise.all(KINDS.map(async (kind) => ({ ...kind, id: await kind.create() })));
    await Promise.all(fresh.map((r) => waiting(r.id)));
    const rows: unknown[] = [];
    const want: unknown[] = [];
    const missing = new Map<string, Answer>();
    for (const p of credentialed()) missing.set(p.who, await probe.send(p, randomUUID()));
    for (const run of fresh) {
      const allowed = (p: Principal) => p.viewer !== undefined && p.canRun && documentedRule(run.scope, p.viewer);
      // The refused first, then the allowed (least privileged first).
      const order = [...PRINCIPALS.filter((p) => !allowed(p)), ...PRINCIPALS.filter(allowed).reverse()];
      let acted = false;
      for (const p of order) {
        const first = allowed(p) && !acted;
        if (first) {
          // Nothing a refused request did shows: the run still waits.
          rows.push([run.kind, 'status before the first allowed request', await statusOf(run.id)]);
          want.push([run.kind, 'status before the first allowed request', 'waiting_for_input']);
        }
        const answer = await probe.send(p, run.id);
        rows.push([run.kind, p.who, answer.status, answer.body]);
        // Once one allowed request acted, the next find the run in another state: 400.
        const expected = prescribed({ write: true, allowed: probe.allowed }, run.scope, p, missing.get(p.who), acted ? 400 : probe.allowed);
        want.push([run.kind, p.who, expected.status, expected.body]);
        if (first) {
          acted = true;
          rows.push([run.kind, 'status after it', await statusOf(run.id)]);
          want.push([run.kind, 'status after it', expect.stringMatching(new RegExp(`^(${probe.becomes.join('|')})$`))]);
        }
      }
    }
    expect(rows).toEqual(want);
  });

  // ---- lists ------------------------------------------------------------------------------------

  it('no list ever includes a run or thread the principal may not see, and none misses one it may (SQL rule = canSee)', async () => {
    // The TypeScript rule and the documented one agree on every principal × visibility.
    for (const p of credentialed())
      for (const visibility of ['private', 'project', 'org'] as const)
        for (const ownerId of [ALICE.userId, 'usr_someone'])
          expect([p.who, visibility, ownerId, canSee({ ...ALICE, ownerId, visibility }, p.viewer!)]).toEqual([p.who, visibility, ownerId, documentedRule({ ...ALICE, ownerId, visibility }, p.viewer!)]);

    type RunRow = { id: string; user_id: string; org: string | null; project: string; visibility: Visibility; thread_id: number | null };
    const runs = await system.db.query<RunRow>('SELECT id, user_id, org, project, visibility, thread_id FROM runs');
    const threadRows = await system.db.query<{ id: number; owner_id: string; org: string | null; project: string; visibility: Visibility }>(
      'SELECT id, owner_id, org, project, visibility FROM threads',
    );
    // Enough rows of every kind, from several owners, for the comparison to mean something.
    expect(new Set(runs.map((r) => r.visibility))).toEqual(new Set(['private', 'project', 'org']));
    expect(new Set(runs.map((r) => r.user_id)).size).toBeGreaterThanOrEqual(4);
    const sees = (r: RunRow, v: Viewer) => canSee({ ownerId: r.user_id, org: r.org, project: r.project, visibility: r.visibility }, v);

    const pages = {
      async travelmode(p: Principal, query = '') {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const res: Answer = await get(p, `/v1/agent-runs?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          expect(res.status).toBe(200);
          ids.push(...(res.body as any).runs.map((r: any) => r.id));
          cursor = (res.body as any).nextCursor;
        } while (cursor);
        return ids;
      },
      async org(p: Principal) {
        const ids: string[] = [];
        for (;;) {
          const res = await get(p, `/v1/runs?limit=100${ids.length ? `&before=${ids.at(-1)}` : ''}`);
          expect(res.status).toBe(200);
          const page = (res.body as any[]).map((r) => r.run_id as string);
          ids.push(...page);
          if (page.length < 100) return ids;
        }
      },
      async vertesia(p: Principal, query = '') {
        const ids: string[] = [];
        let total = 0;
        do {
          const res = await get(p, `/api/v1/agents?limit=200&offset=${ids.length}${query}`);
          expect(res.status).toBe(200);
          const page = (res.body as any).items.map((r: any) => r.id as string);
          total = (res.body as any).total_count;
          ids.push(...page);
          if (page.length === 0) break;
        } while (ids.length < total);
        return { ids, total };
      },
      async thread(p: Principal, threadId: number) {
        const res = await get(p, `/v1/threads/${threadId}/runs?limit=100`);
        return res.status === 200 ? (res.body as any[]).map((r) => r.run_id as string) : res.status;
      },
      async threads(p: Principal) {
        const ids: number[] = [];
        let cursor: string | null = null;
        do {
          const res: Answer = await get(p, `/v1/threads?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          expect(res.status).toBe(200);
          ids.push(...(res.body as any).threads.map((t: any) => t.id));
          cursor = (res.body as any).nextCursor;
        } while (cursor);
        return ids;
      },
    };

    /** Leaked: listed though not visible; extra: listed though the list should not hold it; missed: should be listed, is not. */
    const compare = (listed: string[], expected: RunRow[], v: Viewer) => {
      const byId = new Map(runs.map((r) => [r.id, r]));
      const want = new Set(expected.map((r) => r.id));
      return {
        leaked: listed.filter((id) => { const r = byId.get(id); return !r || !sees(r, v); }),
        extra: listed.filter((id) => !want.has(id)),
        missed: [...want].filter((id) => !listed.includes(id)),
        duplicates: listed.length - new Set(listed).size,
      };
    };
    const clean = { leaked: [], extra: [], missed: [], duplicates: 0 };

    const rows: unknown[] = [];
    const want: unknown[] = [];
    const threadIds = [sharedThread, ...threads.map((t) => t.id)];
    for (const p of credentialed()) {
      const v = p.viewer!;
      const check = (list: string, listed: string[], expected: RunRow[]) => {
        rows.push([list, p.who, compare(listed, expected, v)]);
        want.push([list, p.who, clean]);
      };
      // Travelmode: the caller's own runs.
      check('GET /v1/agent-runs', await pages.travelmode(p), runs.filter((r) => r.user_id === v.userId));
      check(`GET /v1/agent-runs?tripId=<shared thread>`, await pages.travelmode(p, `&tripId=${sharedThread}`), runs.filter((r) => r.user_id === v.userId && r.thread_id === sharedThread));
      // Seed 003: every run of the caller's org the caller may see.
      check('GET /v1/runs', await pages.org(p), runs.filter((r) => r.org === v.org && sees(r, v)));
      // Vertesia: the caller's org and project, what the caller may see; total_count agrees.
      const vertesiaWant = runs.filter((r) => r.org === v.org && r.project === v.project && sees(r, v));
      const vertesia = await pages.vertesia(p);
      check('GET /api/v1/agents', vertesia.ids, vertesiaWant);
      rows.push(['GET /api/v1/agents total_count', p.who, vertesia.total]);
      want.push(['GET /api/v1/agents total_count', p.who, vertesiaWant.length]);
      check('GET /api/v1/agents?started_by=user:usr_alice', (await pages.vertesia(p, '&started_by=user:usr_alice')).ids, vertesiaWant.filter((r) => r.user_id === ALICE.userId));
      // A thread's runs, if the thread is visible: those of its runs the caller may see.
      for (const threadId of threadIds) {
        const thread = threadRows.find((t) => Number(t.id) === threadId)!;
        const listed = await pages.thread(p, threadId);
        const visible = canSee({ ownerId: thread.owner_id, org: thread.org, project: thread.project, visibility: thread.visibility }, v);
        if (typeof listed === 'number' || !visible) {
          rows.push([`GET /v1/threads/${threadId}/runs (${thread.visibility} thread)`, p.who, typeof listed === 'number' ? listed : 200]);
          want.push([`GET /v1/threads/${threadId}/runs (${thread.visibility} thread)`, p.who, visible ? 200 : 404]);
          continue;
        }
        const expected = runs.filter((r) => Number(r.thread_id) === threadId && sees(r, v));
        expect(expected.length).toBeLessThan(100);
        check(`GET /v1/threads/${threadId}/runs (${thread.visibility} thread)`, listed, expected);
      }
      // Travelmode threads: the caller's own.
      const ownThreads = threadRows.filter((t) => t.owner_id === v.userId).map((t) => Number(t.id));
      const listedThreads = await pages.threads(p);
      rows.push(['GET /v1/threads', p.who, [...listedThreads].sort((a, b) => a - b)]);
      want.push(['GET /v1/threads', p.who, [...ownThreads].sort((a, b) => a - b)]);
    }
    expect(rows).toEqual(want);
    // The principals saw different things: the comparison is not trivially empty.
    const counts = await Promise.all(credentialed().map(async (p) => (await pages.org(p)).length));
    expect(new Set(counts).size).toBeGreaterThan(2);
  });

  it('a thread\'s messages name (and carry the answers of) only runs the reader may see', async () => {
    const runs = await system.db.query<{ id: string; user_id: string; org: string | null; project: string; visibility: Visibility }>(
      'SELECT id, user_id, org, project, visibility FROM runs',
    );
    const rows: unknown[] = [];
    const want: unknown[] = [];
    for (const p of credentialed()) {
      const messages = await get(p, `/v1/threads/${sharedThread}/messages?limit=100`);
      // The org thread itself is visible to the whole org.
      if (messages.status !== 200) {
        rows.push([p.who, messages.status]);
        want.push([p.who, documentedRule(scope('org'), p.viewer!) ? 200 : 404]);
        continue;
      }
      const hidden = (messages.body as any[])
        .filter((m) => m.run_id !== null)
        .filter((m) => {
          const r = runs.find((x) => x.id === m.run_id);
          return !r || !documentedRule({ ownerId: r.user_id, org: r.org ?? '', project: r.project, visibility: r.visibility }, p.viewer!);
        })
        .map((m) => ({ run_id: m.run_id, role: m.role, content: String(m.content).slice(0, 40) }));
      rows.push([p.who, hidden]);
      want.push([p.who, []]);
    }
    expect(rows).toEqual(want);
  });
});
