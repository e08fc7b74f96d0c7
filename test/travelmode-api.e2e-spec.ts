import { TRAVELMODE_PHASES } from '#dialects';
import { TestSystem } from './support/system';

/** The Travelmode seed examples (000–002), answered as the seed shows, through the real processes. */
describe('Travelmode Agent Runs API', () => {
  let system: TestSystem;
  const user = 'usr_8c1f';

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '30' } });
  });
  afterAll(() => system?.stop());

  it('creates a pending run over an owned trip (seed 001)', async () => {
    const tripId = await system.thread(user, 'Rome');
    const res = await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 3 days in Rome' });
    expect(res.status).toBe(201);
    expect(res.body.run).toMatchObject({
      tripId,
      userId: user,
      status: 'pending',
      phase: null,
      lastEventSequence: 0,
    });
    expect(res.body.run.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(res.body.run.createdAt).toISOString()).toBe(res.body.run.createdAt);
    expect(Object.keys(res.body)).toEqual(['run']);
  });

  it('starts a run and polls its events to completion with every phase in order (seeds 000, 002)', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const { body } = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 3 days in Rome' });
    const runId = body.run.id;

    const started = await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    expect(started.status).toBe(200);
    expect(started.body.run).toMatchObject({ id: runId, status: 'running', attempt: 1 });

    const seen: any[] = [];
    let since = 0;
    let status = 'running';
    const deadline = Date.now() + 20_000;
    while (!['completed', 'failed', 'cancelled'].includes(status)) {
      if (Date.now() > deadline) throw new Error('run did not finish');
      const page = await api.get(`/v1/agent-runs/${runId}/events?since=${since}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.events);
      since = seen.at(-1)?.sequence ?? since;
      status = page.body.runStatus;
      if (page.body.events.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('completed');
    expect(seen.map((e) => e.sequence)).toEqual(seen.map((_, i) => i + 1));
    expect(seen[0].eventType).toBe('RUN_STARTED');
    const phases = seen.filter((e) => e.eventType === 'PHASE_STARTED').map((e) => e.payload.phase);
    expect(phases).toEqual([...TRAVELMODE_PHASES]);
    expect(seen.at(-1).eventType).toBe('RUN_COMPLETED');
    for (const e of seen) expect(Object.keys(e).sort()).toEqual(['createdAt', 'eventType', 'payload', 'sequence']);

    const run = await api.get(`/v1/agent-runs/${runId}`);
    expect(run.body).toEqual({
      run: expect.objectContaining({ id: runId, status: 'completed', phase: 'done', lastEventSequence: seen.length }),
      artifacts: [
        { id: expect.any(Number), artifactType: 'candidates', isPinned: false },
        { id: expect.any(Number), artifactType: 'proposals', isPinned: false },
      ],
      revisionDrift: { hasDrift: false, snapshotRevision: 1, currentRevision: 1 },
    });
  });

  it('reports status as of the last event of a page, so a paging client never stops early', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const { body } = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 3 days in Rome' });
    await api.post(`/v1/agent-runs/${body.run.id}/control`, { action: 'start' });
    await system.waitForRun(user, body.run.id, (s) => s === 'completed');

    // 1 RUN_STARTED, 2 WORKER_ASSIGNED, 3 PHASE_STARTED understand, …
    const firstThree = await api.get(`/v1/agent-runs/${body.run.id}/events?since=0&limit=3`);
    expect(firstThree.body.events.map((e: any) => e.eventType)).toEqual(['RUN_STARTED', 'WORKER_ASSIGNED', 'PHASE_STARTED']);
    expect(firstThree.body).toMatchObject({ runStatus: 'running', currentPhase: 'understand' });
    const rest = await api.get(`/v1/agent-runs/${body.run.id}/events?since=3`);
    expect(rest.body.events[0].sequence).toBe(4);
    expect(rest.body).toMatchObject({ runStatus: 'completed', currentPhase: 'done' });
    const none = await api.get(`/v1/agent-runs/${body.run.id}/events?since=${rest.body.events.at(-1).sequence}`);
    expect(none.body).toEqual({ events: [], runStatus: 'completed', currentPhase: 'done' });
  });

  it('cancels with a reason (seed 000 example) and refuses an action invalid for the state with 400', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const { body } = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 3 days in Rome' });
    const cancelled = await api.post(`/v1/agent-runs/${body.run.id}/control`, { action: 'cancel', reason: 'User changed dates' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.run).toMatchObject({ id: body.run.id, status: 'cancelled', cancelReason: 'User changed dates' });

    const again = await api.post(`/v1/agent-runs/${body.run.id}/control`, { action: 'start' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ error: 'cannot start a run that is cancelled' });
  });

  it('retries a failed run as a new attempt that then completes', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const { body } = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan Rome #fail-once' });
    await api.post(`/v1/agent-runs/${body.run.id}/control`, { action: 'start' });
    const failed = await system.waitForRun(user, body.run.id, (s) => s === 'failed');
    expect(failed.errorMessage).toBe('simulated failure on the first attempt');

    const retried = await api.post(`/v1/agent-runs/${body.run.id}/control`, { action: 'retry' });
    expect(retried.status).toBe(200);
    expect(retried.body.run).toMatchObject({ status: 'running', attempt: 2, errorMessage: null });
    const done = await system.waitForRun(user, body.run.id, (s) => s === 'completed');
    expect(done.attempt).toBe(2);
  });

  it('shows revision drift once the trip changes under the run', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const { body } = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 3 days in Rome' });
    const patched = await api.patch(`/v1/threads/${tripId}`, { title: 'Rome, 4 days' });
    expect(patched.body.thread.revision).toBe(2);
    const run = await api.get(`/v1/agent-runs/${body.run.id}`);
    expect(run.body.revisionDrift).toEqual({ hasDrift: true, snapshotRevision: 1, currentRevision: 2 });
    // Starting freezes the thread's current revision.
    await api.post(`/v1/agent-runs/${body.run.id}/control`, { action: 'cancel' });
  });

  it('lists the caller\'s runs with status and trip filters and cursor pagination', async () => {
    const lister = 'usr_lister';
    const api = system.api(lister);
    const tripA = await system.thread(lister);
    const tripB = await system.thread(lister);
    const ids: string[] = [];
    for (const tripId of [tripA, tripA, tripB]) {
      const res = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'x' });
      ids.push(res.body.run.id);
    }
    await api.post(`/v1/agent-runs/${ids[0]}/control`, { action: 'cancel' });

    const all = await api.get('/v1/agent-runs');
    expect(all.body.runs.map((r: any) => r.id)).toEqual([...ids].reverse());
    expect(all.body.nextCursor).toBeNull();

    const byTrip = await api.get(`/v1/agent-runs?tripId=${tripA}`);
    expect(byTrip.body.runs.map((r: any) => r.id).sort()).toEqual([ids[0], ids[1]].sort());
    const cancelled = await api.get('/v1/agent-runs?status=cancelled');
    expect(cancelled.body.runs.map((r: any) => r.id)).toEqual([ids[0]]);

    const page1 = await api.get('/v1/agent-runs?limit=2');
    expect(page1.body.runs).toHaveLength(2);
    const page2 = await api.get(`/v1/agent-runs?limit=2&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.runs, ...page2.body.runs].map((r: any) => r.id)).toEqual([...ids].reverse());
    expect(page2.body.nextCursor).toBeNull();
  });
});
