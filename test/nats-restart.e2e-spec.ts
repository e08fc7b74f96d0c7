import { allEvents, expectSequential, startRun } from './support/agent-runs';
import { expectGapless, readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

const finished = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);

/**
 * kill -9 of nats-server mid-run, then a restart on the same port and store: every service and the
 * worker reconnect on their own; runs in flight end (completed, on the same or a redispatched
 * attempt) with gapless logs, and new runs are dispatched and completed as before.
 */
describe('nats-server killed and restarted under running runs', () => {
  let system: TestSystem;
  const user = 'usr_nats_restart';

  beforeAll(async () => {
    system = await TestSystem.start({
      workers: 1,
      workerEnv: { TRIP_PLANNER_STEP_MS: '300', WORKER_LEASE_RENEW_MS: '300' },
      runServiceEnv: { LEASE_TIMEOUT_MS: '3000', LEASE_CHECK_INTERVAL_MS: '200', LEASE_CLAIM_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(() => system?.stop());

  it('runs in flight finish and new runs still reach the worker', async () => {
    const inFlight = [];
    for (let i = 0; i < 3; i++) inFlight.push(await startRun(system, user, `Plan 3 days in Rome ${i}`));
    await system.waitForRun(user, inFlight[0]!, (s) => s === 'running');
    await new Promise((r) => setTimeout(r, 700)); // mid-run: a few phases in

    await system.nats.restart();

    for (const runId of inFlight) {
      const run = await system.waitForRun(user, runId, finished, 60_000);
      expect({ status: run.status, errorMessage: run.errorMessage }).toEqual({ status: 'completed', errorMessage: null });
      const events = await allEvents(system, user, runId);
      expectSequential(events);
      expect(events.at(-1)!.eventType).toBe('RUN_COMPLETED');
      expectGapless(await readRunLog(system.js, runId));
    }

    const after = await startRun(system, user, 'Plan 2 days in Paris');
    const run = await system.waitForRun(user, after, finished, 30_000);
    expect(run).toMatchObject({ status: 'completed', attempt: 1 });
    expect(run.result).toMatchObject({ destination: 'Paris', days: 2 });
  });
});

/** Dispatch reads the log: attempts started while no dispatcher ran are dispatched once one runs. */
describe('attempts started while no dispatcher runs', () => {
  let system: TestSystem;
  const user = 'usr_late_dispatch';

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 1, runServiceEnv: { DISPATCHER_ENABLED: 'false' } });
  });
  afterAll(() => system?.stop());

  it('are dispatched from the log when a dispatcher starts, as the same attempt', async () => {
    const runId = await startRun(system, user, 'Plan 2 days in Lisbon');
    await new Promise((r) => setTimeout(r, 1_000));
    const waiting = await allEvents(system, user, runId);
    expect(waiting.map((e) => e.eventType)).toEqual(['RUN_STARTED']);

    await system.startRunService({ DISPATCHER_ENABLED: 'true' });
    const run = await system.waitForRun(user, runId, finished, 30_000);
    expect(run).toMatchObject({ status: 'completed', attempt: 1 });
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(events.filter((e) => e.eventType === 'RUN_REDISPATCHED')).toEqual([]);
  });
});
