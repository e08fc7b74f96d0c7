import { randomUUID } from 'node:crypto';
import { headers } from '@nats-io/transport-node';
import { DomainError, ErrorCode, HEADERS, SUBJECTS, type WorkerReport } from '#contracts';
import { TRAVELMODE_PHASES } from '#dialects';
import { CommandClient } from '#messaging';
import { expectGapless, readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * kill -9 of the run-service while commands are in flight: afterwards every run's log is 0..N with
 * no gap or duplicate, every command that was acknowledged is in the log exactly once, and batches
 * cut in half by the kill were completed, not left half-applied.
 */
describe('run-service killed mid-command', () => {
  let system: TestSystem;
  const user = 'usr_crash';

  beforeAll(async () => {
    system = await TestSystem.start({
      workers: 0, runServiceEnv: { COMMAND_ACK_WAIT_MS: '1500' },
    });
  });
  afterAll(() => system?.stop());

  it('loses and duplicates nothing across repeated kill -9 and restart', async () => {
    const RUNS = 12;
    const COMMANDS = 25;
    const BATCH = 3;
    const api = system.api(user);
    const tripId = await system.thread(user);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: `run ${i}` });
      await api.post(`/v1/agent-runs/${created.body.run.id}/control`, { action: 'start' });
      runIds.push(created.body.run.id);
    }

    const client = new CommandClient(system.nc, 2_000);
    client.start();
    const phases = TRAVELMODE_PHASES.filter((p) => p !== 'done');
    const acknowledged = new Map<string, string[]>(); // runId → command ids in order

    // One worker per run, each sending its reports in order and resending the same command id
    // until it gets an answer: exactly what an agent SDK does across a run-service crash.
    const worker = async (runId: string) => {
      const ids: string[] = [];
      for (let c = 0; c < COMMANDS; c++) {
        const commandId = `${runId}:report-${c}`;
        const reports: WorkerReport[] = Array.from({ length: BATCH }, (_, b) => ({
          kind: 'phase_started',
          phase: phases[(c * BATCH + b) % phases.length]!,
        }));
        for (;;) {
          try {
            await client.send(SUBJECTS.runCommands(runId), {
              type: 'ReportRunProgress',
              data: { runId, attempt: 1, reports },
              metadata: { commandId, correlationId: runId, actor: { kind: 'agent', id: 'trip-planner' } },
            });
            break;
          } catch (error) {
            if (!(error instanceof DomainError) || error.code !== ErrorCode.Unavailable) throw error;
          }
        }
        ids.push(commandId);
      }
      acknowledged.set(runId, ids);
    };

    const load = Promise.all(runIds.map(worker));
    const [service] = system.runServices;
    let kills = 0;
    const chaos = (async () => {
      for (let k = 0; k < 4; k++) {
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
        await service!.kill();
        kills++;
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        await service!.spawn();
      }
    })();
    await Promise.all([load, chaos]);
    await client.stop();
    expect(kills).toBe(4);

    for (const runId of runIds) {
      const log = await readRunLog(system.js, runId);
      expectGapless(log);
      expect(log.map((e) => e.type).slice(0, 2)).toEqual(['RunCreatedV2', 'RunStartedV2']);
      const reports = log.slice(2);
      expect(reports).toHaveLength(COMMANDS * BATCH);
      // Each acknowledged command's batch is in the log once, whole and contiguous, in order.
      const expected = (acknowledged.get(runId) ?? []).flatMap((id) =>
        Array.from({ length: BATCH }, (_, index) => `${id}#${index}/${BATCH}`),
      );
      expect(reports.map((e) => `${e.metadata.commandId}#${e.metadata.batch.index}/${e.metadata.batch.count}`)).toEqual(
        expected,
      );
    }

    // The projection converges on the same log (events a killed projector held come back after
    // its ack wait).
    const deadline = Date.now() + 45_000;
    for (const runId of runIds) {
      let rows: { sequence: number }[] = [];
      while (Date.now() < deadline) {
        rows = await system.db.query<{ sequence: number }>(
          'SELECT sequence FROM run_events WHERE run_id = $1 ORDER BY sequence',
          [runId],
        );
        if (rows.length === COMMANDS * BATCH + 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows.map((r) => r.sequence)).toEqual(rows.map((_, i) => i));
      expect(rows).toHaveLength(COMMANDS * BATCH + 2);
    }
  });

  it('answers a resent command from the log instead of applying it again', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'resend' });
    const runId = created.body.run.id;
    await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    const client = new CommandClient(system.nc, 5_000);
    client.start();
    const command = {
      type: 'ReportRunProgress' as const,
      data: { runId, attempt: 1, reports: [{ kind: 'phase_started' as const, phase: 'plan' }] },
      metadata: { commandId: randomUUID(), correlationId: runId, actor: { kind: 'agent' as const, id: 'trip-planner' } },
    };
    const first = await client.send(SUBJECTS.runCommands(runId), command);
    const second = await client.send(SUBJECTS.runCommands(runId), command);
    await client.stop();
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    const log = await readRunLog(system.js, runId);
    expect(log.filter((e) => e.metadata.commandId === command.metadata.commandId)).toHaveLength(1);
  });

  it('finishes a batch a crashed writer left half-written, before any other command', async () => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'half batch' });
    const runId = created.body.run.id;
    await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    const [startedEvent] = (await readRunLog(system.js, runId)).slice(-1);

    // What a run-service killed after storing 1 of the 3 events of command X leaves behind.
    const halfCommand = randomUUID();
    const subject = SUBJECTS.runEvents(runId);
    const last = await system.jsm.direct.getMessage('RUN_EVENTS', { last_by_subj: subject });
    const h = headers();
    h.set(HEADERS.sequence, '2');
    await system.js.publish(
      subject,
      JSON.stringify({
        type: 'RunPhaseStarted',
        data: { phase: 'plan', attempt: 1 },
        metadata: {
          ...startedEvent!.metadata,
          eventId: randomUUID(),
          sequence: 2,
          commandId: halfCommand,
          causationId: halfCommand,
          actor: { kind: 'agent', id: 'trip-planner' },
          batch: { index: 0, count: 3 },
        },
      }),
      { expect: { lastSubjectSequence: last!.seq }, headers: h },
    );

    const client = new CommandClient(system.nc, 10_000);
    client.start();
    const report = (commandId: string, phases: string[]) =>
      client.send(SUBJECTS.runCommands(runId), {
        type: 'ReportRunProgress',
        data: { runId, attempt: 1, reports: phases.map((phase) => ({ kind: 'phase_started', phase })) },
        metadata: { commandId, correlationId: runId, actor: { kind: 'agent', id: 'trip-planner' } },
      });
    // Another command arrives first: it must wait for X rather than interleave with it.
    const other = report(randomUUID(), ['compose']);
    await new Promise((r) => setTimeout(r, 300));
    const resumed = await report(halfCommand, ['plan', 'reason', 'act']);
    await other;
    await client.stop();

    expect(resumed.replayed).toBe(false);
    const log = await readRunLog(system.js, runId);
    expectGapless(log);
    expect(log.slice(2).map((e) => [e.data, e.metadata.batch.index])).toEqual([
      [{ phase: 'plan', attempt: 1 }, 0],
      [{ phase: 'reason', attempt: 1 }, 1],
      [{ phase: 'act', attempt: 1 }, 2],
      [{ phase: 'compose', attempt: 1 }, 0],
    ]);
  });
});
