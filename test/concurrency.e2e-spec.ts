import type { Subscription } from '@nats-io/transport-node';
import { STREAMS, SUBJECTS, type RunEvent, type WorkerReport } from '#contracts';
import { TRAVELMODE_PHASES } from '#dialects';
import { CommandClient } from '#messaging';
import { waitFor } from '../tools/harness';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

const sequencesOf = (events: { metadata: { sequence: number } }[]) => events.map((e) => e.metadata.sequence);
const zeroTo = (n: number) => Array.from({ length: n + 1 }, (_, i) => i);

/** What a worker reports for one attempt: one step per phase, then done + completed (8 commands). */
const WORKER_STEPS: WorkerReport[][] = [
  ...TRAVELMODE_PHASES.filter((p) => p !== 'done').map((phase): WorkerReport[] => [{ kind: 'phase_started', phase }]),
  [
    { kind: 'phase_started', phase: 'done' },
    { kind: 'completed', result: { summary: 'done' } },
  ],
];
/** RunStarted, 7 phases, done, RunCompleted. */
const LAST_SEQUENCE = 1 + WORKER_STEPS.reduce((n, step) => n + step.length, 0);

/**
 * Two run-service replicas share the RUN_COMMANDS consumer. Commands on one run race between them;
 * the expected-last-subject-sequence append must let exactly one decision win, and the loser must
 * re-decide against the winner's events.
 */
describe('two run-service replicas under concurrent commands', () => {
  let system: TestSystem;
  let worker: CommandClient;
  let eventTap: Subscription;
  /** Events published per NATS connection (inbox prefix of the append's reply subject). */
  const appendsByConnection = new Map<string, number>();
  const user = 'usr_race';

  beforeAll(async () => {
    system = await TestSystem.start({ runServices: 2, workers: 0 });
    worker = new CommandClient(system.nc, 15_000);
    worker.start();
    // Every append is a JetStream publish, i.e. a request whose reply subject is the publishing
    // connection's muxed inbox (`_INBOX.<per-connection nuid>.<token>`). Only run-services append.
    eventTap = system.nc.subscribe(SUBJECTS.allRunEvents, {
      callback: (_error, msg) => {
        const prefix = msg.reply ? msg.reply.slice(0, msg.reply.lastIndexOf('.')) : '(none)';
        appendsByConnection.set(prefix, (appendsByConnection.get(prefix) ?? 0) + 1);
      },
    });
    await system.nc.flush();
  });
  afterAll(async () => {
    eventTap?.unsubscribe();
    await worker?.stop();
    await system?.stop();
  });

  const api = () => system.api(user);

  async function pendingRun(tripId?: number): Promise<string> {
    const res = await api().post('/v1/agent-runs', { tripId: tripId ?? (await system.thread(user)), triggerMessage: 'race' });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.run.id;
  }

  const report = (runId: string, index: number, reports: WorkerReport[]) =>
    worker.send(SUBJECTS.runCommands(runId), {
      type: 'ReportRunProgress',
      data: { runId, attempt: 1, reports },
      metadata: { commandId: `${runId}:step-${index}`, correlationId: runId, actor: { kind: 'agent', id: 'trip-planner' } },
    });

  it('20 concurrent starts of one pending run: exactly one 200, 19 × 400, one RUN_STARTED', async () => {
    const runId = await pendingRun();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => api().post(`/v1/agent-runs/${runId}/control`, { action: 'start' })),
    );

    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(won[0]!.body.run).toMatchObject({ id: runId, status: 'running', attempt: 1, lastEventSequence: 1 });
    const refused = results.filter((r) => r.status !== 200).map((r) => ({ status: r.status, body: r.body }));
    expect(refused).toEqual(Array(19).fill({ status: 400, body: { error: 'cannot start a run that is running' } }));

    const log = await readRunLog(system.js, runId);
    expect(log.map((e) => e.type)).toEqual(['RunCreatedV2', 'RunStartedV2']);
    expect(sequencesOf(log)).toEqual([0, 1]);
    const page = await api().get(`/v1/agent-runs/${runId}/events`);
    expect(page.body.events.map((e: any) => [e.sequence, e.eventType])).toEqual([[1, 'RUN_STARTED']]);
  });

  // A refusal decided on a replica's stale cache would show here as "... a run that is pending".
  it('10 cancels and 10 stops racing on one running run: exactly one 200 and one RunCancelled', async () => {
    const runId = await pendingRun();
    expect((await api().post(`/v1/agent-runs/${runId}/control`, { action: 'start' })).status).toBe(200);

    const actions = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? { action: 'cancel', reason: `cancel-${i}` } : { action: 'stop' },
    );
    const results = await Promise.all(actions.map((body) => api().post(`/v1/agent-runs/${runId}/control`, body)));

    const winners = results.flatMap((r, i) => (r.status === 200 ? [{ res: r, action: actions[i]! }] : []));
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    results.forEach((r, i) => {
      if (r === winner.res) return;
      expect({ status: r.status, body: r.body }).toEqual({
        status: 400,
        body: { error: `cannot ${actions[i]!.action} a run that is cancelled` },
      });
    });

    const log = await readRunLog(system.js, runId);
    expect(sequencesOf(log)).toEqual([0, 1, 2]);
    const cancelled = log.filter((e) => e.type === 'RunCancelled');
    expect(cancelled).toHaveLength(1);
    // The stored event is the winner's decision, and the winner was answered with it.
    const expectedData =
      winner.action.action === 'stop' ? { reason: 'stopped', via: 'stop' } : { reason: winner.action.reason, via: 'cancel' };
    expect(cancelled[0]!.data).toEqual(expectedData);
    expect(winner.res.body.run).toMatchObject({ status: 'cancelled', cancelReason: expectedData.reason, lastEventSequence: 2 });
  });

  // Regression: the replica that applied CreateRun still caches the run as `pending` after the other
  // replica applied StartRun; a worker report landing there must not be refused from that stale
  // cache ("attempt 1 is not the run's current attempt (0)"): refusals re-check the log first.
  it('30 runs driven concurrently by a worker all complete, each log exactly 0..N', async () => {
    const RUNS = 30;
    const refusals: { runId: string; step: number; error: string; logThen: string[] }[] = [];
    const drive = async () => {
      const runId = await pendingRun();
      const started = await api().post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
      expect(started.status).toBe(200);
      for (const [step, reports] of WORKER_STEPS.entries()) {
        try {
          await report(runId, step, reports);
        } catch (error) {
          const logThen = (await readRunLog(system.js, runId)).map((e) => `${e.metadata.sequence}:${e.type}`);
          refusals.push({ runId, step, error: (error as Error).message, logThen });
          break;
        }
      }
      return runId;
    };
    const runIds = await Promise.all(Array.from({ length: RUNS }, drive));
    expect(new Set(runIds).size).toBe(RUNS);

    // Whatever else happened, each run's log is 0..N without gap or duplicate, and the read model
    // holds exactly the log.
    const logs = new Map<string, RunEvent[]>();
    for (const runId of runIds) {
      const log = await readRunLog(system.js, runId);
      expect(sequencesOf(log)).toEqual(zeroTo(log.length - 1));
      expect(new Set(log.map((e) => `${e.metadata.commandId}#${e.metadata.batch.index}`)).size).toBe(log.length);
      logs.set(runId, log);
    }
    await waitFor('read model caught up', async () => {
      const rows = await system.db.query<{ run_id: string; sequences: number[] }>(
        `SELECT run_id, array_agg(sequence ORDER BY sequence) AS sequences FROM run_events WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
        [runIds],
      );
      return rows.length === RUNS && rows.every((r) => r.sequences.length === logs.get(r.run_id)!.length) ? rows : null;
    });
    const rows = await system.db.query<{ run_id: string; sequences: number[] }>(
      `SELECT run_id, array_agg(sequence ORDER BY sequence) AS sequences FROM run_events WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
      [runIds],
    );
    for (const row of rows) expect(row.sequences).toEqual(sequencesOf(logs.get(row.run_id)!));

    // Every worker command was accepted and every run completed with every phase once.
    expect(refusals).toEqual([]);
    for (const runId of runIds) {
      const log = logs.get(runId)!;
      expect(log.map((e) => e.type)).toEqual(['RunCreatedV2', 'RunStartedV2', ...TRAVELMODE_PHASES.map(() => 'RunPhaseStarted'), 'RunCompleted']);
      expect(log.filter((e) => e.type === 'RunPhaseStarted').map((e) => (e.data as { phase: string }).phase)).toEqual([...TRAVELMODE_PHASES]);
      const run = await system.waitForRun(user, runId, (s) => s === 'completed');
      expect(run.lastEventSequence).toBe(LAST_SEQUENCE);
    }
  });

  // The same regression seen from the public API: "stop" right after a 200 "start" may land on the
  // replica whose cache still says `pending`; it must not answer 400 "cannot stop a run that is pending".
  it('a stop right after a successful start is never refused on a stale replica', async () => {
    const startThenStop = async () => {
      const runId = await pendingRun();
      expect((await api().post(`/v1/agent-runs/${runId}/control`, { action: 'start' })).status).toBe(200);
      const stopped = await api().post(`/v1/agent-runs/${runId}/control`, { action: 'stop' });
      return { status: stopped.status, body: stopped.status === 200 ? stopped.body.run.status : stopped.body };
    };
    const answers = await Promise.all(Array.from({ length: 20 }, startThenStop));
    expect(answers).toEqual(Array(20).fill({ status: 200, body: 'cancelled' }));
  });

  it('both replicas appended events (would fail if one replica consumed every command)', async () => {
    // Only run-services append, each over its own connection; a single consuming replica would
    // show exactly one inbox prefix. The tap also sees appends the stream refused (lost races).
    const stored = await system.jsm.streams.info(STREAMS.events, { subjects_filter: SUBJECTS.allRunEvents });
    const storedRunEvents = Object.values(stored.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    expect(storedRunEvents).toBeGreaterThan(100);
    expect(appendsByConnection.has('(none)')).toBe(false);
    const counts = [...appendsByConnection.values()];
    expect(counts).toHaveLength(2);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(storedRunEvents);
    // Each replica did a real share of the work, not a stray event.
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(total * 0.1);
  });
});
