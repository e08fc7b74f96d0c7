import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunEvent } from '#contracts';
import { TRAVELMODE_PHASES } from '#dialects';
import type { ServiceProcess } from '../tools/harness';
import { allEvents, expectSequential, startRun, until, waitForEvent, type TmEvent } from './support/agent-runs';
import { expectGapless, readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

const LEASE_TIMEOUT_MS = 1500;
const CLAIM_TIMEOUT_MS = 2000;
const ROME = 'Plan 3 days in Rome';
const finished = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);

/**
 * Workers that die, stall, or are told to stop: leases expire and runs move to another worker (or
 * fail after the maximum), and nothing a superseded or cancelled attempt reports reaches the log.
 */
describe('worker faults', () => {
  let system: TestSystem;
  const user = 'usr_faults';
  const stopped = new Set<number>();

  beforeAll(async () => {
    system = await TestSystem.start({
      workers: 2,
      workerEnv: { TRIP_PLANNER_STEP_MS: '300', WORKER_LEASE_RENEW_MS: '300' },
      runServiceEnv: {
        LEASE_TIMEOUT_MS: String(LEASE_TIMEOUT_MS),
        LEASE_CHECK_INTERVAL_MS: '200',
        LEASE_CLAIM_TIMEOUT_MS: String(CLAIM_TIMEOUT_MS),
        MAX_REDISPATCHES: '1',
      },
    });
  });
  afterAll(async () => {
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await system?.stop();
  });

  const api = () => system.api(user);
  const live = () => system.workers.filter((w) => w.pid !== undefined);
  /** The reference-agent process whose worker id (`<host>-<pid>-<rand>`) is `workerId`. */
  const processOf = (workerId: string): ServiceProcess => {
    const found = system.workers.find((w) => w.pid !== undefined && workerId.includes(`-${w.pid}-`));
    if (!found) throw new Error(`no live worker process for ${workerId}`);
    return found;
  };
  const assigned = (events: TmEvent[]) => events.filter((e) => e.eventType === 'WORKER_ASSIGNED').map((e) => e.payload);
  /** Events of the JetStream log carrying an attempt number, after index `from`. */
  const attemptsAfter = (log: RunEvent[], from: number) =>
    log.slice(from + 1).map((e) => (e.data as { attempt?: number }).attempt).filter((a) => a !== undefined);

  it('shares the work queue: with two workers every run is claimed by exactly one of them and completes', async () => {
    expect(live()).toHaveLength(2);
    const runIds = await Promise.all(Array.from({ length: 6 }, (_, i) => startRun(system, user, `Plan ${i + 1} days in Lisbon`)));
    const runs = await Promise.all(runIds.map((id) => system.waitForRun(user, id, finished, 20_000)));
    expect(runs.map((r) => [r.status, r.attempt])).toEqual(runIds.map(() => ['completed', 1]));
    const pids = live().map((w) => w.pid);
    for (const id of runIds) {
      const events = await allEvents(system, user, id);
      expectSequential(events);
      const claims = assigned(events);
      expect(claims).toHaveLength(1);
      expect(pids.some((pid) => claims[0].workerId.includes(`-${pid}-`))).toBe(true);
      expect(events.some((e) => e.eventType === 'RUN_REDISPATCHED')).toBe(false);
    }
  });

  it('kill -9 of the worker holding a run: the lease expires and another worker completes it as attempt 2', async () => {
    expect(live()).toHaveLength(2);
    const runId = await startRun(system, user, ROME);
    const before = await waitForEvent(system, user, runId, (e) => e.eventType === 'PHASE_STARTED' && e.payload.phase === 'retrieve');
    const [first] = assigned(before);
    expect(first).toMatchObject({ attempt: 1 });
    const holder = processOf(first.workerId);
    const survivor = live().find((w) => w !== holder)!;
    const killedAt = Date.now();
    await holder.kill();
    // Until the lease expires the run is still active, but no worker answers for it.
    const query = await api().get(`/v1/agent-runs/${runId}/query/AgentPlan`);
    expect({ status: query.status, body: query.body }).toEqual({ status: 503, body: { error: expect.any(String) } });

    const run = await system.waitForRun(user, runId, finished, 20_000);
    expect(run).toMatchObject({ status: 'completed', attempt: 2, errorMessage: null });
    expect(run.result).toMatchObject({ destination: 'Rome', days: 3 });

    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(run.lastEventSequence).toBe(events.length);
    const redispatches = events.filter((e) => e.eventType === 'RUN_REDISPATCHED');
    expect(redispatches).toHaveLength(1);
    expect(redispatches[0]!.payload).toEqual({ attempt: 2, previousAttempt: 1, reason: 'lease_expired' });
    // Not before the lease could have expired (last renewal ≤ 300 ms before the kill).
    expect(Date.parse(redispatches[0]!.createdAt) - killedAt).toBeGreaterThanOrEqual(LEASE_TIMEOUT_MS - 400);
    const workers = assigned(events);
    expect(workers.map((w) => w.attempt)).toEqual([1, 2]);
    expect(workers[1].workerId).not.toBe(first.workerId);
    expect(workers[1].workerId).toContain(`-${survivor.pid}-`);
    const redispatchAt = events.indexOf(redispatches[0]!);
    expect(events.slice(redispatchAt + 1).filter((e) => e.eventType === 'PHASE_STARTED').map((e) => e.payload.phase)).toEqual([
      ...TRAVELMODE_PHASES,
    ]);
    expect(events.at(-1)!.eventType).toBe('RUN_COMPLETED');

    const log = await readRunLog(system.js, runId);
    expectGapless(log);
    const at = log.findIndex((e) => e.type === 'RunRedispatchedV2');
    expect(new Set(attemptsAfter(log, at))).toEqual(new Set([2]));
  });

  it('a stalled worker (SIGSTOP) loses its run; after it resumes nothing it reports is appended', async () => {
    while (live().length < 2) await system.startWorker();
    const runId = await startRun(system, user, 'Plan 2 days in Paris');
    const before = await waitForEvent(system, user, runId, (e) => e.eventType === 'PHASE_STARTED' && e.payload.phase === 'plan');
    const [first] = assigned(before);
    const holder = processOf(first.workerId);
    const pid = holder.pid!;
    process.kill(pid, 'SIGSTOP');
    stopped.add(pid);
    try {
      // Resume it while attempt 2 is still running on the other worker: the old holder must not
      // disturb the new lease (no second redispatch) nor get its own reports appended.
      await waitForEvent(system, user, runId, (e) => e.eventType === 'WORKER_ASSIGNED' && e.payload.attempt === 2, 20_000);
    } finally {
      process.kill(pid, 'SIGCONT');
      stopped.delete(pid);
    }
    const run = await system.waitForRun(user, runId, finished, 20_000);
    expect(run).toMatchObject({ status: 'completed', attempt: 2 });
    expect(run.result).toMatchObject({ destination: 'Paris', days: 2 });

    // The resumed worker learns from the log that its attempt is over and gives up.
    await until(
      'the stalled worker to abandon attempt 1',
      () =>
        readFileSync(holder.logFile, 'utf8')
          .split('\n')
          .some((line) => line.includes('"attempt finished"') && line.includes(runId) && line.includes('"aborted":true')),
      10_000,
    );
    await sleep(500);
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(events.length).toBe(run.lastEventSequence);
    expect(events.at(-1)!.eventType).toBe('RUN_COMPLETED');
    expect(events.filter((e) => e.eventType === 'RUN_REDISPATCHED').map((e) => e.payload)).toEqual([
      { attempt: 2, previousAttempt: 1, reason: 'lease_expired' },
    ]);
    const log = await readRunLog(system.js, runId);
    expectGapless(log);
    const at = log.findIndex((e) => e.type === 'RunRedispatchedV2');
    expect(new Set(attemptsAfter(log, at))).toEqual(new Set([2]));
    expect(log.find((e) => e.type === 'RunClaimed' && e.data.attempt === 2)?.data).toMatchObject({
      workerId: expect.not.stringContaining(`-${pid}-`),
    });
  });

  it('with no surviving worker and MAX_REDISPATCHES 1 the run fails with an errorMessage, never stuck', async () => {
    expect(live().length).toBeGreaterThan(0);
    const runId = await startRun(system, user, ROME);
    // Past the claim: the worker holds the lease once its handler runs (killed between the claim
    // and the first renewal, the attempt is redispatched as not_claimed instead).
    await waitForEvent(system, user, runId, (e) => e.eventType === 'PHASE_STARTED' && e.payload.phase === 'retrieve');
    await Promise.all(live().map((w) => w.kill()));
    expect(live()).toHaveLength(0);

    const run = await system.waitForRun(user, runId, finished, 20_000);
    expect(run.status).toBe('failed');
    expect(run.attempt).toBe(2);
    expect(run.errorMessage).toEqual(expect.stringMatching(/abandoned/));
    expect(run.finishedAt).not.toBeNull();
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(events.filter((e) => e.eventType === 'RUN_REDISPATCHED').map((e) => e.payload)).toEqual([
      { attempt: 2, previousAttempt: 1, reason: 'lease_expired' },
    ]);
    expect(events.at(-1)).toMatchObject({ eventType: 'RUN_FAILED', payload: { errorMessage: run.errorMessage } });
    expect(assigned(events).map((w) => w.attempt)).toEqual([1]);
  });

  it('a run no worker ever claims is redispatched once, then fails (never left running)', async () => {
    const started = Date.now();
    const runId = await startRun(system, user, ROME, 'agent-nobody-serves');
    const run = await system.waitForRun(user, runId, finished, 20_000);
    expect(run).toMatchObject({ status: 'failed', attempt: 2 });
    expect(run.errorMessage).toEqual(expect.stringMatching(/no worker claimed/));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * CLAIM_TIMEOUT_MS - 500);
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(events.map((e) => e.eventType)).toEqual(['RUN_STARTED', 'RUN_REDISPATCHED', 'RUN_FAILED']);
    expect(events[1]!.payload).toEqual({ attempt: 2, previousAttempt: 1, reason: 'not_claimed' });
  });
});
