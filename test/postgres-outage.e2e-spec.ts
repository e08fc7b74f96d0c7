import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

const finished = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);

/**
 * PostgreSQL killed -9 under a working system (its own server, on a private port): reads answer
 * 503 `{ error }` at once; what the log decides (creating, starting, streaming, executing runs) goes
 * on; when Postgres is back the projector catches up and every read is whole again.
 */
describe('PostgreSQL down and back', () => {
  let system: TestSystem;
  const user = 'usr_pg_outage';

  beforeAll(async () => {
    system = await TestSystem.start({ ownPostgres: true, workerEnv: { TRIP_PLANNER_STEP_MS: '30' } });
  });
  afterAll(() => system?.stop());

  it('reads answer 503 fast, runs still go, and the read model catches up', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user, 'Before the outage');
    const before = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 2 days in Rome' })).body.run.id as string;
    await api.post(`/v1/agent-runs/${before}/control`, { action: 'start' });
    await system.waitForRun(user, before, finished);

    await system.postgres!.kill();

    for (const path of [`/v1/agent-runs/${before}`, `/v1/agent-runs/${before}/events?since=0`, '/v1/agent-runs', '/v1/threads', `/v1/runs/${before}`, `/api/v1/agents/${before}`]) {
      const started = Date.now();
      const res = await api.get(path);
      expect({ path, status: res.status, error: res.body?.error !== undefined }).toEqual({ path, status: 503, error: true });
      expect(Date.now() - started).toBeLessThan(4_000);
    }
    // The gateway stays ready: it still takes what the log decides.
    expect((await fetch(`${system.gateway!.url}/health/ready`)).status).toBe(200);

    // A run created and started during the outage: decided from the log, executed by the worker, streamed from the log.
    const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 3 days in Lisbon' });
    expect(created.status).toBe(201);
    const during = created.body.run.id as string;
    expect((await api.post(`/v1/agent-runs/${during}/control`, { action: 'start' })).status).toBe(200);
    const stream = await SseConnection.open(`${system.gateway!.url}/v1/agent-runs/${during}/stream?since=0`, { token: tokenFor(user) });
    await stream.until((c) => c.frames.some((f) => f.type === 'run_finished'), 30_000);
    expect(stream.frames.find((f) => f.type === 'run_finished')).toMatchObject({ status: 'completed' });

    await system.postgres!.spawn();

    const run = await system.waitForRun(user, during, finished, 30_000);
    expect(run.status).toBe('completed');
    const events = await api.get(`/v1/agent-runs/${during}/events?since=0`);
    expect(events.status).toBe(200);
    expect(events.body.events.map((e: { sequence: number }) => e.sequence)).toEqual(stream.sequences);
    expect((await api.get(`/v1/agent-runs/${before}`)).status).toBe(200);
    expect((await system.db.query(`SELECT count(*)::int AS n FROM projection_faults`))[0]).toEqual({ n: 0 });
  });
});
