import { randomUUID } from 'node:crypto';
import type { ApiClient, ApiResponse } from './support/api-client';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * Another user's run or thread is indistinguishable from a missing one: the same status and the
 * same body as for an id that does not exist, on every endpoint, and nothing changes for its owner.
 */
describe('ownership', () => {
  let system: TestSystem;
  let alice: ApiClient;
  let bob: ApiClient;
  const ACTIONS = ['start', 'stop', 'cancel', 'retry'] as const;

  /** Alice's thread and her runs in three states (runs stay `running`: the agent waits a minute). */
  const a = { tripId: 0, pending: '', running: '', cancelled: '' };
  const b = { tripId: 0, runId: '' };
  let aliceBefore: Awaited<ReturnType<typeof observeAlice>>;

  const aliceRuns = () => [a.pending, a.running, a.cancelled];
  const unknownThread = 99_999;

  /** What a client sees of a response, for comparing two answers. */
  const seen = (res: ApiResponse) => ({ status: res.status, body: res.body, type: res.headers.get('content-type') });

  /** Everything Alice can observe about her runs and thread, plus the stored run logs. */
  async function observeAlice() {
    const runs = [];
    for (const id of aliceRuns()) {
      runs.push({
        // durationMs of the running run counts up with the clock; it is not state.
        run: { ...(await alice.get(`/v1/agent-runs/${id}`)).body, run: { ...(await alice.get(`/v1/agent-runs/${id}`)).body.run, durationMs: 0 } },
        events: (await alice.get(`/v1/agent-runs/${id}/events`)).body,
        log: (await readRunLog(system.js, id)).map((e) => e.metadata.eventId),
      });
    }
    return {
      runs,
      list: ((body) => ({ ...body, runs: body.runs.map((r: object) => ({ ...r, durationMs: 0 })) }))((await alice.get('/v1/agent-runs')).body),
      thread: (await alice.get(`/v1/threads/${a.tripId}`)).body,
      threads: (await alice.get('/v1/threads')).body,
    };
  }

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
    alice = system.api('usr_alice');
    bob = system.api('usr_bob');

    a.tripId = await system.thread('usr_alice', 'Alice in Rome');
    const create = async () => (await alice.post('/v1/agent-runs', { tripId: a.tripId, triggerMessage: 'Plan Rome' })).body.run.id;
    a.pending = await create();
    a.running = await create();
    a.cancelled = await create();
    expect((await alice.post(`/v1/agent-runs/${a.running}/control`, { action: 'start' })).status).toBe(200);
    expect((await alice.post(`/v1/agent-runs/${a.cancelled}/control`, { action: 'cancel', reason: 'mine' })).status).toBe(200);

    b.tripId = await system.thread('usr_bob', 'Bob in Paris');
    b.runId = (await bob.post('/v1/agent-runs', { tripId: b.tripId, triggerMessage: 'Plan Paris' })).body.run.id;

    aliceBefore = await observeAlice();
    expect(aliceBefore.runs.map((r) => r.run.run.status)).toEqual(['pending', 'running', 'cancelled']);
  });
  afterAll(() => system?.stop());

  it('answers Bob\'s GET of Alice\'s run exactly like a GET of a random uuid', async () => {
    const missing = seen(await bob.get(`/v1/agent-runs/${randomUUID()}`));
    expect(missing).toEqual({ status: 404, body: { error: 'run not found' }, type: expect.stringMatching(/^application\/json/) });
    for (const id of aliceRuns()) expect(seen(await bob.get(`/v1/agent-runs/${id}`))).toEqual(missing);
  });

  it('answers Bob\'s GET of the events of Alice\'s run exactly like those of a random uuid', async () => {
    for (const query of ['', '?since=0', '?since=0&limit=1', '?since=1000']) {
      const missing = seen(await bob.get(`/v1/agent-runs/${randomUUID()}/events${query}`));
      expect(missing).toMatchObject({ status: 404, body: { error: 'run not found' } });
      for (const id of aliceRuns()) expect(seen(await bob.get(`/v1/agent-runs/${id}/events${query}`))).toEqual(missing);
    }
  });

  it('answers every control action of Bob on Alice\'s runs, whatever their state, like one on a random uuid', async () => {
    // Each state makes some action valid for Alice (start a pending run, stop a running one, retry
    // a cancelled one): Bob must not learn the state from a 400 instead of a 404.
    for (const action of ACTIONS) {
      const body = action === 'cancel' ? { action, reason: 'bob was here' } : { action };
      const missing = seen(await bob.post(`/v1/agent-runs/${randomUUID()}/control`, body));
      expect(missing).toMatchObject({ status: 404, body: { error: 'run not found' } });
      for (const id of aliceRuns()) expect(seen(await bob.post(`/v1/agent-runs/${id}/control`, body))).toEqual(missing);
    }
  });

  it('answers Bob\'s input, signals and queries on Alice\'s runs like those on a random uuid', async () => {
    const probes: [string, (id: string) => Promise<ApiResponse>][] = [
      ['input', (id) => bob.post(`/v1/agent-runs/${id}/input`, { content: 'Lisbon' })],
      ['signal', (id) => bob.post(`/v1/agent-runs/${id}/signal/Stop`, { now: true })],
      ['query', (id) => bob.get(`/v1/agent-runs/${id}/query/AgentPlan`)],
    ];
    for (const [, probe] of probes) {
      const missing = seen(await probe(randomUUID()));
      expect(missing).toMatchObject({ status: 404, body: { error: 'run not found' } });
      for (const id of aliceRuns()) expect(seen(await probe(id))).toEqual(missing);
    }
  });

  it('answers Bob\'s GET and PATCH of Alice\'s thread exactly like those of a missing thread', async () => {
    const missingGet = seen(await bob.get(`/v1/threads/${unknownThread}`));
    expect(missingGet).toMatchObject({ status: 404, body: { error: 'thread not found' } });
    expect(seen(await bob.get(`/v1/threads/${a.tripId}`))).toEqual(missingGet);

    for (const patch of [{ title: 'Bob took over' }, { metadata: { owner: 'bob' } }, { title: null }]) {
      const missingPatch = seen(await bob.patch(`/v1/threads/${unknownThread}`, patch));
      expect(missingPatch).toMatchObject({ status: 404, body: { error: 'thread not found' } });
      expect(seen(await bob.patch(`/v1/threads/${a.tripId}`, patch))).toEqual(missingPatch);
    }
    // Even an invalid update reveals nothing: the owner check comes first.
    expect(seen(await bob.patch(`/v1/threads/${a.tripId}`, {}))).toEqual(seen(await bob.patch(`/v1/threads/${unknownThread}`, {})));
  });

  it('refuses Bob a run over Alice\'s trip with 404 "thread not found", like over a missing trip', async () => {
    const missing = seen(await bob.post('/v1/agent-runs', { tripId: unknownThread, triggerMessage: 'Plan Rome' }));
    expect(missing).toMatchObject({ status: 404, body: { error: 'thread not found' } });
    const res = await bob.post('/v1/agent-runs', { tripId: a.tripId, triggerMessage: 'Plan Rome' });
    expect(seen(res)).toEqual(missing);
    const bobs = await bob.get('/v1/agent-runs');
    expect(bobs.body.runs.map((r: any) => r.id)).toEqual([b.runId]);
  });

  it('never lists Alice\'s runs or threads to Bob, whatever the filter or page size', async () => {
    const queries = ['', '?limit=1', '?limit=100', `?tripId=${a.tripId}`, '?status=pending', '?status=running', '?status=cancelled'];
    const bobRunIds: string[] = [];
    for (const query of queries) {
      const res = await bob.get(`/v1/agent-runs${query}`);
      expect(res.status).toBe(200);
      for (const run of res.body.runs) {
        expect(run.userId).toBe('usr_bob');
        bobRunIds.push(run.id);
      }
    }
    for (const id of aliceRuns()) expect(bobRunIds).not.toContain(id);
    expect((await bob.get(`/v1/agent-runs?tripId=${a.tripId}`)).body).toEqual({ runs: [], nextCursor: null });

    // Page through Bob's threads one at a time: only his own, ending with a null cursor.
    const threads: any[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await bob.get(`/v1/threads?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      threads.push(...page.body.threads);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(threads.map((t) => ({ id: t.id, ownerId: t.ownerId }))).toEqual([{ id: b.tripId, ownerId: 'usr_bob' }]);

    // And the other way round.
    const aliceList = await alice.get('/v1/agent-runs?limit=100');
    expect(aliceList.body.runs.map((r: any) => r.id)).not.toContain(b.runId);
    expect((await alice.get('/v1/threads')).body.threads.map((t: any) => t.id)).toEqual([a.tripId]);
  });

  it('a cursor from Bob\'s listing does not open Alice\'s runs', async () => {
    await bob.post('/v1/agent-runs', { tripId: b.tripId, triggerMessage: 'second' });
    const first = await bob.get('/v1/agent-runs?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const rest = await bob.get(`/v1/agent-runs?limit=100&cursor=${first.body.nextCursor}`);
    expect(rest.body.runs.map((r: any) => r.userId)).toEqual(['usr_bob']);
  });

  it('left Alice\'s runs and thread exactly as they were, and Alice can still act on them', async () => {
    // The read model is written asynchronously: give a wrongly appended event time to show.
    await new Promise((r) => setTimeout(r, 300));
    expect(await observeAlice()).toEqual(aliceBefore);

    const started = await alice.post(`/v1/agent-runs/${a.pending}/control`, { action: 'start' });
    expect(started.status).toBe(200);
    expect(started.body.run).toMatchObject({ status: 'running', attempt: 1 });
    const stopped = await alice.post(`/v1/agent-runs/${a.running}/control`, { action: 'stop' });
    expect(stopped.body.run).toMatchObject({ status: 'cancelled' });
    const retried = await alice.post(`/v1/agent-runs/${a.cancelled}/control`, { action: 'retry' });
    // Cancelled before it ever started (attempt 0): the retry is its first attempt.
    expect(retried.body.run).toMatchObject({ status: 'running', attempt: 1, cancelReason: null });
    const patched = await alice.patch(`/v1/threads/${a.tripId}`, { title: 'Alice in Rome, 4 days' });
    expect(patched.body.thread).toMatchObject({ ownerId: 'usr_alice', revision: 2 });
  });
});
