import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentWorker } from '#agent-sdk';
import { allEvents, expectSequential, inProcessWorker, startRun, until, waitForEvent } from './support/agent-runs';
import { expectGapless, readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * Stop, cancel and time limits reach the handler of an in-process SDK worker: its abort signal
 * fires, the run ends, and nothing the handler reports afterwards reaches the log.
 */
describe('aborting a worker\'s attempt', () => {
  let system: TestSystem;
  const user = 'usr_abort';
  const inProcess: AgentWorker[] = [];

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
  });
  afterAll(async () => {
    await Promise.allSettled(inProcess.map((w) => w.stop(1_000)));
    await system?.stop();
  });

  const api = () => system.api(user);

  describe('stop and cancel reach the in-process worker holding the run', () => {
    interface AttemptRecord {
      inStep: boolean;
      abortedAt: number | null;
      abortReason: unknown;
      afterStep: boolean;
      lateErrors: unknown[];
      lateAccepted: string[];
      lateDone: boolean;
      release: () => void;
    }
    const records = new Map<string, AttemptRecord>();
    const waitErrors = new Map<string, unknown>();
    afterAll(() => records.forEach((r) => r.release()));

    beforeAll(async () => {
      inProcess.push(
        await inProcessWorker(
          system,
          {
            // A step that ignores the abort signal, then tries to report anyway.
            'cancel-test': async (run, ctx) => {
              const rec: AttemptRecord = {
                inStep: false,
                abortedAt: null,
                abortReason: null,
                afterStep: false,
                lateErrors: [],
                lateAccepted: [],
                lateDone: false,
                release: () => undefined,
              };
              records.set(run.runId, rec);
              ctx.signal.addEventListener('abort', () => {
                rec.abortedAt = Date.now();
                rec.abortReason = ctx.signal.reason;
              });
              await ctx.phase('understand');
              await ctx.phase('reason');
              ctx.delta('thinking…');
              await ctx.flush();
              const gate = new Promise<void>((resolve) => (rec.release = resolve));
              rec.inStep = true;
              await gate;
              rec.afterStep = true;
              ctx.delta('late text');
              ctx.usage({ inputTokens: 5, outputTokens: 5 });
              for (const [what, attempt] of [
                ['phase', () => ctx.phase('act')],
                ['toolCall', () => ctx.toolCall('late_tool', {})],
              ] as const) {
                try {
                  await attempt();
                  rec.lateAccepted.push(what);
                } catch (error) {
                  rec.lateErrors.push(error);
                }
              }
              await ctx.flush().catch(() => undefined);
              rec.lateDone = true;
              return { shouldNotBe: 'appended' };
            },
            // Cooperative: waits for input until aborted.
            'stop-test': async (run, ctx) => {
              try {
                await ctx.phase('understand');
                return await ctx.waitForInput('Anything else?');
              } catch (error) {
                waitErrors.set(run.runId, error);
                throw error;
              }
            },
          },
          'faults-inprocess-1',
        ),
      );
    });

    it('cancel while the handler is mid-step: its abort signal fires, the run is cancelled, late reports are refused', async () => {
      const runId = await startRun(system, user, 'cancel me', 'cancel-test');
      await until('the handler to be mid-step', () => records.get(runId)?.inStep === true);
      const rec = records.get(runId)!;
      // The worker appends straight to the log; the read model catches up a moment later.
      const beforeCancel = await waitForEvent(system, user, runId, (e) => e.eventType === 'MESSAGE_DELTA');
      expect(beforeCancel.at(-1)!.eventType).toBe('MESSAGE_DELTA');
      expect(rec.abortedAt).toBeNull();

      const cancelled = await api().post(`/v1/agent-runs/${runId}/control`, { action: 'cancel', reason: 'user changed plans' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.run).toMatchObject({ status: 'cancelled', cancelReason: 'user changed plans' });
      const cancelledAt = Date.now();
      await until('the handler abort signal', () => rec.abortedAt !== null, 5_000);
      expect(rec.abortedAt! - cancelledAt).toBeLessThan(5_000);
      expect(rec.abortReason).toBeInstanceOf(Error);
      expect((rec.abortReason as Error).message).toContain('RunCancelled');

      rec.release();
      await until('the handler to try reporting', () => rec.lateDone, 5_000);
      expect(rec.lateAccepted).toEqual([]);
      expect(rec.lateErrors).toHaveLength(2);
      for (const error of rec.lateErrors) expect((error as Error).message).toContain('RunCancelled');
      await sleep(700);

      const events = await allEvents(system, user, runId);
      expectSequential(events);
      expect(events.length).toBe(beforeCancel.length + 1);
      expect(events.at(-1)).toMatchObject({ eventType: 'RUN_CANCELLED', payload: { reason: 'user changed plans' } });
      const run = (await api().get(`/v1/agent-runs/${runId}`)).body.run;
      expect(run).toMatchObject({ status: 'cancelled', lastEventSequence: events.length, totalInputTokens: 0, result: null });
      const log = await readRunLog(system.js, runId);
      expectGapless(log);
      expect(log.at(-1)!.type).toBe('RunCancelled');
    });

    it('a handler that hangs while its worker heart-beats is aborted at the attempt time limit, and the run fails', async () => {
      let abortReason: unknown = null;
      inProcess.push(
        await inProcessWorker(
          system,
          {
            'hang-test': async (_run, ctx) => {
              ctx.signal.addEventListener('abort', () => (abortReason = ctx.signal.reason));
              await ctx.phase('understand');
              await new Promise(() => undefined); // never returns, never looks at its signal
            },
          },
          'hang-worker',
          { attemptTimeoutMs: 800 },
        ),
      );
      const runId = await startRun(system, user, 'hang', 'hang-test');
      const run = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s), 15_000);
      expect(run).toMatchObject({ status: 'failed', attempt: 1, errorMessage: 'the attempt exceeded its time limit of 800 ms' });
      expect(abortReason).toBeInstanceOf(Error);
      const events = await allEvents(system, user, runId);
      expectSequential(events);
      expect(events.map((e) => e.eventType)).toEqual(['RUN_STARTED', 'WORKER_ASSIGNED', 'PHASE_STARTED', 'RUN_FAILED']);
    });

    it('stop while the handler waits for input: the wait is aborted and nothing follows RUN_CANCELLED', async () => {
      const runId = await startRun(system, user, 'stop me', 'stop-test');
      const waiting = await system.waitForRun(user, runId, (s) => s === 'waiting_for_input');
      expect(waiting.inputPrompt).toBe('Anything else?');
      const res = await api().post(`/v1/agent-runs/${runId}/control`, { action: 'stop' });
      expect(res.status).toBe(200);
      expect(res.body.run).toMatchObject({ status: 'cancelled', cancelReason: 'stopped' });
      await until('the pending waitForInput to be aborted', () => waitErrors.has(runId), 5_000);
      expect((waitErrors.get(runId) as Error).message).toContain('RunCancelled');
      await sleep(500);
      const events = await allEvents(system, user, runId);
      expectSequential(events);
      expect(events.map((e) => e.eventType)).toEqual([
        'RUN_STARTED',
        'WORKER_ASSIGNED',
        'PHASE_STARTED',
        'WAITING_FOR_INPUT',
        'RUN_CANCELLED',
      ]);
    });
  });
});
