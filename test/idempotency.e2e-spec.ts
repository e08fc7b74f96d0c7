import { randomUUID } from 'node:crypto';
import type { ApiClient, ApiResponse } from './support/api-client';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * `Idempotency-Key` on POST/PATCH: the same key from the same caller gets the same answer and has
 * one effect; 4xx answers are final and replayed too.
 */
describe('Idempotency-Key', () => {
  let system: TestSystem;
  let users = 0;

  beforeAll(async () => {
    system = await TestSystem.start({
      workerEnv: { TRIP_PLANNER_STEP_MS: '30' },
      // A quick 503 for the last test, which stops the run-service.
      gatewayEnv: { COMMAND_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(() => system?.stop());

  /** A fresh user with a trip, so "exactly one run" is easy to count. */
  async function fresh(): Promise<{ user: string; api: ApiClient; tripId: number }> {
    const user = `usr_idem_${++users}`;
    return { user, api: system.api(user), tripId: await system.thread(user) };
  }
  const key = () => `key-${randomUUID()}`;
  const withKey = (k: string) => ({ 'Idempotency-Key': k });
  const runIds = async (api: ApiClient) => (await api.get('/v1/agent-runs?limit=100')).body.runs.map((r: any) => r.id);
  const replayed = (res: ApiResponse) => res.headers.get('idempotent-replayed');

  it('answers the same key and body twice with the same 201, marked replayed, and creates one run', async () => {
    const { api, tripId } = await fresh();
    const k = key();
    const body = { tripId, triggerMessage: 'Plan 3 days in Rome' };
    const first = await api.post('/v1/agent-runs', body, withKey(k));
    expect(first.status).toBe(201);
    expect(replayed(first)).toBeNull();
    const second = await api.post('/v1/agent-runs', body, withKey(k));
    expect({ status: second.status, body: second.body }).toEqual({ status: first.status, body: first.body });
    expect(replayed(second)).toBe('true');
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await runIds(api)).toEqual([first.body.run.id]);
    expect(await readRunLog(system.js, first.body.run.id)).toHaveLength(1); // RunCreated only
  });

  it('without a key, the same body twice creates two runs', async () => {
    const { api, tripId } = await fresh();
    const body = { tripId, triggerMessage: 'Plan Rome' };
    const [one, two] = [await api.post('/v1/agent-runs', body), await api.post('/v1/agent-runs', body)];
    expect(one.body.run.id).not.toBe(two.body.run.id);
    expect(await runIds(api)).toHaveLength(2);
  });

  it('refuses the same key with a different body with 422, and the first answer stays the one replayed', async () => {
    const { api, tripId } = await fresh();
    const k = key();
    const first = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Rome' }, withKey(k));
    expect(first.status).toBe(201);
    const other = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Paris' }, withKey(k));
    expect(other.status).toBe(422);
    expect(other.body).toEqual({ error: expect.any(String) });
    // The same key on another endpoint is a different request too.
    const elsewhere = await api.post(`/v1/agent-runs/${first.body.run.id}/control`, { action: 'cancel' }, withKey(k));
    expect(elsewhere).toMatchObject({ status: 422, body: { error: expect.any(String) } });
    const again = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Rome' }, withKey(k));
    expect({ status: again.status, body: again.body }).toEqual({ status: 201, body: first.body });
    expect(await runIds(api)).toEqual([first.body.run.id]);
  });

  it('scopes keys to the caller: another user with the same key and body gets a run of their own', async () => {
    const alice = await fresh();
    const bob = await fresh();
    const k = key();
    const a = await alice.api.post('/v1/agent-runs', { tripId: alice.tripId, triggerMessage: 'Rome' }, withKey(k));
    // Bob sends the very same body (Alice's trip id): his own key space, so a real attempt → 404.
    const bobOnAlicesTrip = await bob.api.post('/v1/agent-runs', { tripId: alice.tripId, triggerMessage: 'Rome' }, withKey(k));
    expect(bobOnAlicesTrip).toMatchObject({ status: 404, body: { error: 'thread not found' } });
    expect(replayed(bobOnAlicesTrip)).toBeNull();
    const k2 = key();
    const a2 = await alice.api.post('/v1/agent-runs', { tripId: alice.tripId, triggerMessage: 'Paris' }, withKey(k2));
    const b2 = await bob.api.post('/v1/agent-runs', { tripId: bob.tripId, triggerMessage: 'Paris' }, withKey(k2));
    expect([a.status, a2.status, b2.status]).toEqual([201, 201, 201]);
    expect(replayed(b2)).toBeNull();
    expect(b2.body.run).toMatchObject({ userId: bob.user, tripId: bob.tripId });
    expect(await runIds(bob.api)).toEqual([b2.body.run.id]);
    expect((await runIds(alice.api)).sort()).toEqual([a.body.run.id, a2.body.run.id].sort());
  });

  it('replays a control action\'s 200 even after the run moved on; a new key acts on the current state', async () => {
    const { user, api, tripId } = await fresh();
    const runId = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Rome' })).body.run.id;
    const k = key();
    const cancel = { action: 'cancel', reason: 'changed dates' };
    const first = await api.post(`/v1/agent-runs/${runId}/control`, cancel, withKey(k));
    expect(first.status).toBe(200);
    expect(first.body.run).toMatchObject({ status: 'cancelled', cancelReason: 'changed dates' });
    const second = await api.post(`/v1/agent-runs/${runId}/control`, cancel, withKey(k));
    expect({ status: second.status, body: second.body }).toEqual({ status: 200, body: first.body });
    expect(replayed(second)).toBe('true');
    const fresher = await api.post(`/v1/agent-runs/${runId}/control`, cancel, withKey(key()));
    expect(fresher).toMatchObject({ status: 400, body: { error: 'cannot cancel a run that is cancelled' } });
    expect((await readRunLog(system.js, runId)).map((e) => e.type)).toEqual(['RunCreatedV2', 'RunCancelled']);

    // Start with a key, let the run complete, replay: the stored `running` answer, not a new start.
    const other = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Rome' })).body.run.id;
    const s = key();
    const started = await api.post(`/v1/agent-runs/${other}/control`, { action: 'start' }, withKey(s));
    expect(started.body.run).toMatchObject({ status: 'running', attempt: 1 });
    await system.waitForRun(user, other, (st) => st === 'completed');
    const replay = await api.post(`/v1/agent-runs/${other}/control`, { action: 'start' }, withKey(s));
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 200, body: started.body });
    expect(replayed(replay)).toBe('true');
    expect((await api.get(`/v1/agent-runs/${other}`)).body.run).toMatchObject({ status: 'completed', attempt: 1 });
  });

  it('replays a refusal: a 4xx under a key is final even once the request would succeed', async () => {
    const { api, tripId } = await fresh();
    const runId = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Rome' })).body.run.id;
    await api.post(`/v1/agent-runs/${runId}/control`, { action: 'cancel' });
    const k = key();
    const refused = await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' }, withKey(k));
    expect(refused).toMatchObject({ status: 400, body: { error: 'cannot start a run that is cancelled' } });
    const again = await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' }, withKey(k));
    expect({ status: again.status, body: again.body }).toEqual({ status: 400, body: refused.body });
    expect(replayed(again)).toBe('true');

    // `retry` is refused on a pending run; once the run is cancelled a retry would be valid, but
    // the key's answer stays the refusal, and nothing was appended for it.
    const pending = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Rome' })).body.run.id;
    const r = key();
    const early = await api.post(`/v1/agent-runs/${pending}/control`, { action: 'retry' }, withKey(r));
    expect(early).toMatchObject({ status: 400, body: { error: 'cannot retry a run that is pending' } });
    await api.post(`/v1/agent-runs/${pending}/control`, { action: 'cancel' });
    const late = await api.post(`/v1/agent-runs/${pending}/control`, { action: 'retry' }, withKey(r));
    expect({ status: late.status, body: late.body }).toEqual({ status: 400, body: early.body });
    expect((await readRunLog(system.js, pending)).map((e) => e.type)).toEqual(['RunCreatedV2', 'RunCancelled']);

    // A validation failure under a key is replayed as well.
    const v = key();
    const invalid = await api.post('/v1/agent-runs', { tripId: 'x', triggerMessage: 'Rome' }, withKey(v));
    expect(invalid.status).toBe(400);
    const invalidAgain = await api.post('/v1/agent-runs', { tripId: 'x', triggerMessage: 'Rome' }, withKey(v));
    expect({ status: invalidAgain.status, body: invalidAgain.body }).toEqual({ status: 400, body: invalid.body });
  });

  it('applies a keyed PATCH once: the replay shows the same revision and the thread is not bumped again', async () => {
    const { api, tripId } = await fresh();
    const k = key();
    const first = await api.patch(`/v1/threads/${tripId}`, { title: 'Rome, 4 days' }, withKey(k));
    expect(first).toMatchObject({ status: 200, body: { thread: { revision: 2, title: 'Rome, 4 days' } } });
    const second = await api.patch(`/v1/threads/${tripId}`, { title: 'Rome, 4 days' }, withKey(k));
    expect({ status: second.status, body: second.body }).toEqual({ status: 200, body: first.body });
    expect(replayed(second)).toBe('true');
    expect((await api.get(`/v1/threads/${tripId}`)).body.thread.revision).toBe(2);
    const changed = await api.patch(`/v1/threads/${tripId}`, { title: 'Rome, 5 days' }, withKey(k));
    expect(changed.status).toBe(422);
  });

  it('lets 10 concurrent identical POSTs with one key create exactly one run; the others replay it or get 409', async () => {
    const { api, tripId } = await fresh();
    const k = key();
    const body = { tripId, triggerMessage: 'Plan Rome, concurrently' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.post('/v1/agent-runs', body, withKey(k))));
    const created = answers.filter((r) => r.status === 201);
    const busy = answers.filter((r) => r.status === 409);
    expect(created.length + busy.length).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(created.map((r) => r.body.run.id));
    expect(ids.size).toBe(1);
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    for (const r of busy) expect(r.body).toEqual({ error: expect.any(String) });
    expect(await runIds(api)).toEqual([...ids]);
    // Once settled, the key answers with the 201 from then on.
    const after = await api.post('/v1/agent-runs', body, withKey(k));
    expect({ status: after.status, body: after.body }).toEqual({ status: 201, body: created[0]!.body });

    // The same for a control action: one cancellation, one answer.
    const runId = created[0]!.body.run.id;
    const c = key();
    const cancels = await Promise.all(
      Array.from({ length: 10 }, () => api.post(`/v1/agent-runs/${runId}/control`, { action: 'cancel' }, withKey(c))),
    );
    const ok = cancels.filter((r) => r.status === 200);
    expect(ok.length + cancels.filter((r) => r.status === 409).length).toBe(10);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body).toEqual(ok[0]!.body);
    expect((await readRunLog(system.js, runId)).map((e) => e.type)).toEqual(['RunCreatedV2', 'RunCancelled']);
  });

  it('accepts keys of 1-255 visible ASCII characters and refuses others with 400', async () => {
    const { api, tripId } = await fresh();
    const body = { tripId, triggerMessage: 'Rome' };
    for (const bad of ['k'.repeat(256), 'k'.repeat(1000), 'has space', 'tab\there']) {
      const res = await api.post('/v1/agent-runs', body, withKey(bad));
      expect(res).toMatchObject({ status: 400, body: { error: expect.anything() } });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
    const res = await api.patch(`/v1/threads/${tripId}`, { title: 'x' }, withKey('k'.repeat(256)));
    expect(res.status).toBe(400);
    expect(await runIds(api)).toEqual([]);
    expect((await api.get(`/v1/threads/${tripId}`)).body.thread.revision).toBe(1);

    const longest = 'k'.repeat(255);
    const ok = await api.post('/v1/agent-runs', body, withKey(longest));
    expect(ok.status).toBe(201);
    expect((await api.post('/v1/agent-runs', body, withKey(longest))).body).toEqual(ok.body);
    expect(await runIds(api)).toEqual([ok.body.run.id]);
  });

  it('ignores the key on a GET', async () => {
    const { api } = await fresh();
    const res = await api.get('/v1/agent-runs', withKey('k'.repeat(300)));
    expect(res.status).toBe(200);
    expect(replayed(res)).toBeNull();
  });

  // Last: it stops the run-service.
  it('leaves a key retryable after a 503, and the retry creates the run once, under the same id', async () => {
    const { api, tripId } = await fresh();
    const k = key();
    const body = { tripId, triggerMessage: 'Plan Rome after an outage' };
    const [runService] = system.runServices;
    await runService!.stop();
    try {
      const down = await api.post('/v1/agent-runs', body, withKey(k));
      expect(down).toMatchObject({ status: 503, body: { error: expect.any(String) } });
      const stillDown = await api.post('/v1/agent-runs', body, withKey(k));
      expect(stillDown.status).toBe(503);
      expect(replayed(stillDown)).toBeNull();
    } finally {
      await runService!.spawn();
    }
    const up = await api.post('/v1/agent-runs', body, withKey(k));
    expect(up.status).toBe(201);
    expect(replayed(up)).toBeNull();
    const replay = await api.post('/v1/agent-runs', body, withKey(k));
    expect({ status: replay.status, body: replay.body, replayed: replayed(replay) }).toEqual({ status: 201, body: up.body, replayed: 'true' });
    expect(await runIds(api)).toEqual([up.body.run.id]);
    expect((await readRunLog(system.js, up.body.run.id)).map((e) => e.type)).toEqual(['RunCreatedV2']);
  });
});
