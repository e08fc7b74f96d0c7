import type { AgentWorker } from '#agent-sdk';
import { MAX_INPUT_BYTES } from '#contracts';
import { allEvents, expectSequential, inProcessWorker, startRun, until } from './support/agent-runs';
import { TestSystem } from './support/system';

/** Signals through the API to an in-process SDK worker: order, limits, finished runs. */
describe('agent signals', () => {
  let system: TestSystem;
  const user = 'usr_signals';
  const inProcess: AgentWorker[] = [];

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
  });
  afterAll(async () => {
    await Promise.allSettled(inProcess.map((w) => w.stop(1_000)));
    await system?.stop();
  });

  const api = () => system.api(user);
  const getRun = async (runId: string) => {
    const res = await api().get(`/v1/agent-runs/${runId}`);
    expect(res.status).toBe(200);
    return res.body.run;
  };

  describe('signals (in-process SDK worker)', () => {
    const N = 8;
    const received = new Map<string, { name: string; payload: unknown }[]>();

    beforeAll(async () => {
      inProcess.push(
        await inProcessWorker(
          system,
          {
            'signal-test': async (run, ctx) => {
              const mine: { name: string; payload: unknown }[] = [];
              received.set(run.runId, mine);
              await ctx.phase('understand');
              const expected = Number(/expect (\d+)/.exec(run.triggerMessage)?.[1] ?? N);
              await new Promise<void>((resolve, reject) => {
                ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
                ctx.onSignal('*', (payload, name) => {
                  mine.push({ name, payload });
                  if (mine.length === expected) resolve();
                });
              });
              return { received: mine };
            },
          },
          'signal-worker-1',
        ),
      );
    });

    it('delivers signals sent one after another to the worker in order, as SIGNAL_RECEIVED events in order', async () => {
      const runId = await startRun(system, user, `signals: expect ${N}`, 'signal-test');
      const sent = Array.from({ length: N }, (_, i) => ({
        name: i % 3 === 0 ? 'pause' : i % 3 === 1 ? 'resume.now' : 'steer_1',
        payload: { i, note: `signal ${i}`, nested: { list: [i, i * 2] } },
      }));
      for (const s of sent) {
        const res = await api().post(`/v1/agent-runs/${runId}/signal/${s.name}`, s.payload);
        expect(res.status).toBe(200);
        expect(res.body.run.id).toBe(runId);
      }
      const done = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
      expect(done.status).toBe('completed');
      expect(received.get(runId)).toEqual(sent);
      expect(done.result).toEqual({ received: sent });

      const events = await allEvents(system, user, runId);
      expectSequential(events);
      expect(events.filter((e) => e.eventType === 'SIGNAL_RECEIVED').map((e) => e.payload)).toEqual(sent);
      expect(events.find((e) => e.eventType === 'WORKER_ASSIGNED')?.payload.workerId).toBe('signal-worker-1');
    });

    it('delivers concurrently sent signals to the worker in exactly the log order', async () => {
      const runId = await startRun(system, user, `signals: expect ${N}`, 'signal-test');
      const names = Array.from({ length: N }, (_, i) => `s${i}`);
      const responses = await Promise.all(names.map((name, i) => api().post(`/v1/agent-runs/${runId}/signal/${name}`, { i })));
      expect(responses.map((r) => r.status)).toEqual(names.map(() => 200));
      const done = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
      expect(done.status).toBe('completed');
      const logged = (await allEvents(system, user, runId))
        .filter((e) => e.eventType === 'SIGNAL_RECEIVED')
        .map((e) => ({ name: e.payload.name, payload: e.payload.payload }));
      expect(logged).toHaveLength(N);
      expect(received.get(runId)).toEqual(logged);
      expect(logged.map((l) => l.name).sort()).toEqual([...names].sort());
    });

    it('refuses an oversized signal payload (413) and a malformed signal name (400), appending nothing', async () => {
      const runId = await startRun(system, user, 'signals: expect 1', 'signal-test');
      await system.waitForRun(user, runId, (s) => s === 'running');
      const before = (await getRun(runId)).lastEventSequence;
      const big = await api().post(`/v1/agent-runs/${runId}/signal/big`, { blob: 'x'.repeat(MAX_INPUT_BYTES) });
      expect({ status: big.status, body: big.body }).toEqual({ status: 413, body: { error: expect.any(String) } });
      const badName = await api().post(`/v1/agent-runs/${runId}/signal/1-starts-with-digit`, { ok: true });
      expect({ status: badName.status, body: badName.body }).toEqual({ status: 400, body: { error: expect.any(String) } });
      const now = await allEvents(system, user, runId);
      expect(now.some((e) => e.eventType === 'SIGNAL_RECEIVED')).toBe(false);
      expect(now.length).toBeGreaterThanOrEqual(before);

      expect((await api().post(`/v1/agent-runs/${runId}/signal/fine`, { ok: true })).status).toBe(200);
      const done = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
      expect(done.status).toBe('completed');
      expect(received.get(runId)).toEqual([{ name: 'fine', payload: { ok: true } }]);
    });

    it('refuses a signal to a finished run with 400 and appends nothing', async () => {
      const runId = await startRun(system, user, 'signals: expect 1', 'signal-test');
      expect((await api().post(`/v1/agent-runs/${runId}/signal/go`, {})).status).toBe(200);
      const done = await system.waitForRun(user, runId, (s) => s === 'completed');
      await until('worker recorded the signal', () => (received.get(runId)?.length ?? 0) === 1);
      const res = await api().post(`/v1/agent-runs/${runId}/signal/late`, { late: true });
      expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error: expect.any(String) } });
      expect((await getRun(runId)).lastEventSequence).toBe(done.lastEventSequence);
    });
  });
});
