import { randomUUID } from 'node:crypto';
import { canSee } from '#contracts';
import { TestSystem } from './support/system';
import {
  ALICE, NO_THREAD, PRINCIPALS, VisibilityMatrix, anyError, credentialed, documentedRule, prescribed, scope,
  type Answer, type Principal, type Viewer, type Visibility,
} from './support/visibility-fixtures';

/** The visibility matrix for threads and lists: every endpoint about one thread, the writes that end a run (on fresh runs), then every list and a thread's messages over all those rows. */
describe('visibility matrix (every endpoint × every principal × every visibility)', () => {
  let system: TestSystem;
  const matrix = new VisibilityMatrix();
  /** Alice's org-visible thread the runs of the matrix work over. */
  let sharedThread = 0;
  const { call, get, post, KINDS, statusOf, waiting, threads } = matrix;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    await matrix.seed(system);
    sharedThread = matrix.sharedThread;
  });
  afterAll(() => system?.stop());

  // The thread and run-ending probes come first: the lists and the thread's messages below are
  // checked over every row they created as well.

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
