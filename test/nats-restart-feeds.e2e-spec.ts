import { tokenFor } from './support/tokens';
import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { waitFor } from '../tools/harness';

/**
 * Live feeds across a nats-server restart: SSE streams left open and workers following runs that
 * wait for input must see what is appended after the restart at once, not after their consumers'
 * heartbeats time out (nats.js alone: 26-45 s late).
 */
describe('live feeds across a nats-server restart', () => {
  let system: TestSystem;
  const user = 'usr_restart_feeds';
  const RUNS = 4;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '50' } });
  });
  afterAll(() => system?.stop());

  it('delivers events appended after the restart to open streams and following workers within a few seconds', async () => {
    const api = system.api(user);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const tripId = await system.thread(user);
      const runId = (await api.post('/v1/agent-runs', { tripId, triggerMessage: `Plan a trip ${i}` })).body.run.id as string;
      await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
      runIds.push(runId);
    }
    for (const runId of runIds) await system.waitForRun(user, runId, (s) => s === 'waiting_for_input');
    const base = system.gateway!.url;
    const streams = await Promise.all(runIds.map((id) => SseConnection.open(`${base}/v1/agent-runs/${id}/stream?since=0`, { token: tokenFor(user) })));
    const hasInputRequest = (c: SseConnection) => c.frames.some((f) => f.type === 'run_event' && f.event.eventType === 'WAITING_FOR_INPUT');
    for (const stream of streams) await stream.until(hasInputRequest);

    await system.nats.restart();
    // Every service back on NATS (its readiness includes the connection).
    for (const service of [system.gateway!, ...system.runServices, ...system.streamServices, ...system.workers]) {
      await waitFor(`${service.name} ready`, async () => ((await fetch(`${service.url}/health/ready`).catch(() => null))?.ok ? true : null), 20_000, 50);
    }

    const delays = await Promise.all(
      runIds.map(async (runId, i) => {
        const sent = Date.now();
        const res = await api.post(`/v1/agent-runs/${runId}/input`, { content: 'Lisbon' });
        expect(res.status).toBeLessThan(300);
        const stream = streams[i]!;
        await stream.until((c) => c.frames.some((f) => f.type === 'run_event' && f.event.eventType === 'INPUT_RECEIVED'), 20_000);
        const streamed = Date.now() - sent;
        // The worker follows its run: it takes the input and finishes the plan.
        await stream.until((c) => c.frames.some((f) => f.type === 'run_finished'), 30_000);
        return { streamed, finished: Date.now() - sent };
      }),
    );
    process.stdout.write(`after a nats-server restart: ${JSON.stringify(delays)}\n`);
    for (const { streamed, finished } of delays) {
      expect(streamed).toBeLessThan(3_000);
      expect(finished).toBeLessThan(6_000);
    }
    for (const runId of runIds) expect((await api.get(`/v1/agent-runs/${runId}`)).body.run.status).toBe('completed');
    streams.forEach((s) => s.abort());
  });
});
