import { randomUUID } from 'node:crypto';
import { RunReporter } from '#agent-sdk';
import { DomainError, ErrorCode, type WorkerReport } from '#contracts';
import { EventStore } from '#messaging';
import { expectGapless, readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/** Workers append their own progress events under the run's expected-sequence rule. */
describe('worker-side reports (agent SDK RunReporter)', () => {
  let system: TestSystem;
  const user = 'usr_worker';

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
  });
  afterAll(() => system?.stop());

  const startedRun = async () => {
    const api = system.api(user);
    const created = await api.post('/v1/agent-runs', { tripId: await system.thread(user), triggerMessage: 'worker' });
    await api.post(`/v1/agent-runs/${created.body.run.id}/control`, { action: 'start' });
    return created.body.run.id as string;
  };
  const phase = (p: string): WorkerReport[] => [{ kind: 'phase_started', phase: p as 'plan' }];
  const reporter = () => new RunReporter(new EventStore(system.nc, system.js, system.jsm));

  it('a cancel racing a reporting worker wins cleanly: the worker is refused and nothing follows the terminal event', async () => {
    const runId = await startedRun();
    const worker = reporter();
    let refusal: DomainError | null = null;
    let reported = 0;
    const reporting = (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        try {
          await worker.report({ runId, attempt: 1, reports: phase('reason'), commandId: randomUUID(), agent: 'trip-planner' });
          reported++;
        } catch (error) {
          refusal = error as DomainError;
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    const cancelled = await system.api(user).post(`/v1/agent-runs/${runId}/control`, { action: 'cancel', reason: 'enough' });
    await reporting;

    expect(cancelled.status).toBe(200);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal!.code).toBe(ErrorCode.InvalidTransition);
    const log = await readRunLog(system.js, runId);
    expectGapless(log);
    expect(log.at(-1)!.type).toBe('RunCancelled');
    expect(log.filter((e) => e.type === 'RunPhaseStarted')).toHaveLength(reported);
    expect(reported).toBeGreaterThan(0);
  });

  it('two workers reporting to one run at once interleave whole batches, gapless', async () => {
    const runId = await startedRun();
    const [a, b] = [reporter(), reporter()];
    const batch: WorkerReport[] = [
      { kind: 'phase_started', phase: 'plan' },
      { kind: 'phase_started', phase: 'retrieve' },
      { kind: 'phase_started', phase: 'reason' },
    ];
    const send = (w: RunReporter) =>
      Promise.all(
        Array.from({ length: 15 }, async () => {
          await w.report({ runId, attempt: 1, reports: batch, commandId: randomUUID(), agent: 'trip-planner' });
        }),
      );
    await Promise.all([send(a), send(b)]);
    const log = await readRunLog(system.js, runId);
    expectGapless(log);
    const reports = log.slice(2);
    expect(reports).toHaveLength(30 * 3);
    for (let i = 0; i < reports.length; i += 3) {
      const ids = reports.slice(i, i + 3).map((e) => `${e.metadata.commandId}#${e.metadata.batch.index}`);
      expect(ids).toEqual([0, 1, 2].map((k) => `${reports[i]!.metadata.commandId}#${k}`));
    }
  });

  it('a restarted worker resending a report is answered from the log, not applied twice', async () => {
    const runId = await startedRun();
    const commandId = randomUUID();
    const first = await reporter().report({ runId, attempt: 1, reports: phase('plan'), commandId, agent: 'trip-planner' });
    const again = await reporter().report({ runId, attempt: 1, reports: phase('plan'), commandId, agent: 'trip-planner' });
    expect(again.lastEventSequence).toBe(first.lastEventSequence);
    const log = await readRunLog(system.js, runId);
    expect(log.filter((e) => e.metadata.commandId === commandId)).toHaveLength(1);
  });

  it('reports for a stale attempt are refused', async () => {
    const runId = await startedRun();
    const api = system.api(user);
    await reporter().report({ runId, attempt: 1, reports: [{ kind: 'failed', errorMessage: 'x' }], commandId: randomUUID(), agent: 'trip-planner' });
    await system.waitForRun(user, runId, (s) => s === 'failed');
    expect((await api.post(`/v1/agent-runs/${runId}/control`, { action: 'retry' })).status).toBe(200);
    await expect(
      reporter().report({ runId, attempt: 1, reports: phase('plan'), commandId: randomUUID(), agent: 'trip-planner' }),
    ).rejects.toMatchObject({ code: ErrorCode.StaleAttempt });
  });
});
