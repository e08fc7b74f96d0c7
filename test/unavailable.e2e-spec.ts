import { readFileSync } from 'node:fs';
import { CONSUMERS, STREAMS, SUBJECTS, type RunEvent } from '#contracts';
import { waitFor } from '../tools/harness';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Log lines of a service (JSON, one per line) with the given message. */
const logged = (file: string, msg: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(msg));

/** How many messages are stored on subjects matching `filter` (thread events: one per message). */
async function storedEvents(system: TestSystem, filter: string): Promise<number> {
  const info = await system.jsm.streams.info(STREAMS.events, { subjects_filter: filter });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

/**
 * "Unavailable" means "not applied": a command nobody answered within the gateway's timeout carries
 * a deadline, and a run-service that finds it later drops it instead of applying it behind the
 * caller's back.
 */
describe('a gateway whose run-service is down', () => {
  let system: TestSystem;
  const user = 'usr_lonely';
  const ACK_WAIT_MS = 2_000;

  beforeAll(async () => {
    system = await TestSystem.start({
      runServices: 0,
      workers: 0,
      gatewayEnv: { COMMAND_TIMEOUT_MS: '1000' },
      // Short, so a command the run-service left unsettled would visibly come back.
      runServiceEnv: { COMMAND_ACK_WAIT_MS: String(ACK_WAIT_MS) },
    });
  });
  afterAll(() => system?.stop());

  it('answers 503 within ~1.5 s, never applies the timed-out command later, and serves once a run-service is up', async () => {
    const api = system.api(user);
    const began = Date.now();
    const refused = await api.post('/v1/threads', { title: 'Lisbon' });
    const elapsed = Date.now() - began;
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ error: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1_500);
    // The command is queued, waiting for a run-service.
    expect((await system.jsm.streams.info(STREAMS.commands)).state.messages).toBe(1);

    const service = await system.startRunService();
    // The run-service reached the queued command and dropped it (its deadline had passed) …
    await waitFor('the drop to be logged', async () => logged(service.logFile, 'deadline passed').length >= 1);
    const consumer = await system.jsm.consumers.info(STREAMS.commands, CONSUMERS.runService);
    expect(consumer.delivered.stream_seq).toBe(1);
    expect(consumer.num_pending).toBe(0);
    // … and a few seconds later still nothing of it exists anywhere.
    await sleep(3_000);
    expect(await storedEvents(system, SUBJECTS.allThreadEvents)).toBe(0);
    expect(await system.db.query('SELECT id FROM threads')).toEqual([]);
    expect((await api.get('/v1/threads')).body).toEqual({ threads: [], nextCursor: null });

    const created = await api.post('/v1/threads', { title: 'Porto' });
    expect(created.status).toBe(201);
    expect(created.body.thread).toMatchObject({ title: 'Porto', ownerId: user, revision: 1 });
    const listed = await api.get('/v1/threads');
    expect(listed.body.threads.map((t: any) => t.title)).toEqual(['Porto']);
    expect(await storedEvents(system, SUBJECTS.allThreadEvents)).toBe(1);
  });

  // Regression: servers before 2.10.4 (Debian's 2.9.10) ignore `+TERM <reason>`, which left a dropped
  // command in the RUN_COMMANDS work queue, redelivered every COMMAND_ACK_WAIT_MS forever; the
  // run-service now terms without a reason.
  it('a dropped command leaves RUN_COMMANDS for good and is not redelivered', async () => {
    await sleep(2 * ACK_WAIT_MS + 500);
    const service = system.runServices[0]!;
    expect(logged(service.logFile, 'deadline passed')).toHaveLength(1);
    const consumer = await system.jsm.consumers.info(STREAMS.commands, CONSUMERS.runService);
    expect(consumer.num_ack_pending).toBe(0);
    expect(consumer.num_redelivered).toBe(0);
    expect((await system.jsm.streams.info(STREAMS.commands)).state.messages).toBe(0);
  });
});

/**
 * SIGTERM is a deploy, not a crash: the run-service finishes what it holds, exits cleanly, and after
 * the restart the runs it was executing finish with nothing lost or repeated, and a request made
 * while it was away is applied once it is back (the gateway waits long enough here).
 */
describe('a run-service stopped gracefully and restarted', () => {
  let system: TestSystem;
  const user = 'usr_deploy';
  const RUNS = 5;

  beforeAll(async () => {
    system = await TestSystem.start({
      workerEnv: { TRIP_PLANNER_STEP_MS: '250' },
      gatewayEnv: { COMMAND_TIMEOUT_MS: '20000' },
    });
  });
  afterAll(() => system?.stop());

  async function runLog(runId: string): Promise<RunEvent[]> {
    const rows = await system.db.query<{ type: string; data: unknown; metadata: RunEvent['metadata'] }>(
      'SELECT type, data, metadata FROM run_events WHERE run_id = $1 ORDER BY sequence',
      [runId],
    );
    return rows as RunEvent[];
  }

  // Note: on a graceful stop the reference agent leaves the attempts it was executing unacked (no
  // nak), so they resume only when the `reference-agent` consumer's ack_wait (10 s) expires, not
  // as soon as the run-service is back; hence the generous wait below (see the report).
  it('keeps serving: in-flight runs complete exactly once, a request made during the restart succeeds', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user, 'Kyoto');
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: `Plan Kyoto ${i}` });
      runIds.push(created.body.run.id);
      expect((await api.post(`/v1/agent-runs/${created.body.run.id}/control`, { action: 'start' })).status).toBe(200);
    }
    const pendingId = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'later in Kyoto' })).body.run.id as string;
    // Mid-way: every run has started phases but none has finished.
    await waitFor('runs in progress', async () => {
      const runs = await Promise.all(runIds.map((id) => api.get(`/v1/agent-runs/${id}`)));
      return runs.every((r) => r.body.run.lastEventSequence >= 2);
    });

    const service = system.runServices[0]!;
    const stopping = Date.now();
    await service.stop();
    expect(service.exitCode).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(15_000); // not the forced exit
    const midway = await Promise.all(runIds.map((id) => api.get(`/v1/agent-runs/${id}`)));
    expect(midway.map((r) => r.body.run.status)).toEqual(Array(RUNS).fill('running'));

    // While it is down: a thread update and a start are queued and wait for the run-service.
    const during = Promise.all([
      api.patch(`/v1/threads/${tripId}`, { title: 'Kyoto and Nara' }),
      api.post(`/v1/agent-runs/${pendingId}/control`, { action: 'start' }),
    ]);
    await sleep(500);
    await service.spawn();
    const [patched, started] = await during;
    expect(patched.status).toBe(200);
    expect(patched.body.thread.revision).toBe(2);
    expect(started.status).toBe(200);
    expect(started.body.run).toMatchObject({ status: 'running', attempt: 1 });

    // Runs interrupted by the stop resume where they were, as does the one started meanwhile.
    for (const runId of [...runIds, pendingId]) {
      const run = await system.waitForRun(user, runId, (s) => s === 'completed', 60_000);
      expect(run.phase).toBe('done');
      const log = await runLog(runId);
      expect(log.map((e) => e.metadata.sequence)).toEqual(log.map((_, i) => i));
      expect(log.filter((e) => e.type === 'RunStartedV2')).toHaveLength(1);
      const phases = log.filter((e) => e.type === 'RunPhaseStarted').map((e) => (e.data as { phase: string }).phase);
      expect(phases).toEqual(['understand', 'plan', 'retrieve', 'reason', 'act', 'compose', 'deliver', 'done']);
      expect(log.filter((e) => e.type === 'RunCompleted')).toHaveLength(1);
      // The read model holds exactly what the log holds (events, whether stored one per message or as units).
      expect((await readRunLog(system.js, runId)).map((e) => e.metadata.eventId)).toEqual(log.map((e) => e.metadata.eventId));
    }
  });
});
