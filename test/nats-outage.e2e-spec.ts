import { rawRequest } from './support/artifacts';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * nats-server down: what needs it answers 503 `{ error }` at once, not after its timeout; what
 * reads only Postgres still answers; and everything works again when it is back.
 */
describe('NATS down and back', () => {
  let system: TestSystem;
  const user = 'usr_nats_outage';
  let runId: string;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '30' } });
    const tripId = await system.thread(user);
    runId = (await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 2 days in Rome' })).body.run.id;
    await system.api(user).post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    await system.waitForRun(user, runId, (s) => s === 'completed');
  });
  afterAll(() => system?.stop());

  it('answers 503 fast for what needs the bus, serves reads from Postgres, and recovers', async () => {
    const api = system.api(user);
    const [artifact] = (await api.get(`/v1/agent-runs/${runId}/artifacts`)).body.artifacts as { id: number }[];
    await system.nats.kill();
    await new Promise((r) => setTimeout(r, 300)); // the services notice the disconnect

    const quick = async (label: string, send: () => Promise<{ status: number; body: any }>, status = 503) => {
      const started = Date.now();
      const res = await send();
      expect({ label, status: res.status, error: res.body?.error !== undefined }).toEqual({ label, status, error: status >= 400 });
      expect({ label, fast: Date.now() - started < 1_500 }).toEqual({ label, fast: true });
    };
    await quick('artifact content', () => api.get(`/v1/agent-runs/${runId}/artifacts/${artifact!.id}`));
    await quick('a command', () => api.post('/v1/threads', { title: 'during the outage' }));
    await quick('an idempotent command', () => api.post('/v1/threads', { title: 'keyed' }, { 'idempotency-key': 'k-outage' }));
    await quick('a file upload', () =>
      rawRequest(system.gateway!.url, 'PUT', `/api/v1/agents/${runId}/artifacts/out.txt`, { token: tokenFor(user), body: Buffer.from('x'), headers: { 'content-type': 'text/plain' } }),
    );
    await quick('a run read (Postgres)', () => api.get(`/v1/agent-runs/${runId}`), 200);

    await system.nats.restart();
    const back = await (async () => {
      for (let i = 0; i < 100; i++) {
        const res = await api.post('/v1/threads', { title: 'after' }, { 'idempotency-key': 'k-after' });
        if (res.status === 201) return res;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    })();
    expect(back?.status).toBe(201);
    expect((await api.get(`/v1/agent-runs/${runId}/artifacts/${artifact!.id}`)).status).toBe(200);
  });
});
