/**
 * bench:sse — 1,000 SSE clients on 100 runs while a worker appends 1,000 events/s: latency from
 * append acknowledgement to frame receipt (p50/p99), frames delivered per second, and the
 * stream-service's memory per idle connection; beside the same latency for a plain NATS
 * subscription to the run subjects, measured in the same run.
 *
 *   npm run bench:sse -- [--runs 100] [--clients 1000] [--rate 1000] [--seconds 10] [--warmup 2]
 */
import { randomUUID } from 'node:crypto';
import { SUBJECTS, type RunEvent } from '../libs/contracts/src';
import { decodeEvents } from '../libs/messaging/src';
import { SseClient } from './sse-client';
import { argInt, fmt, machine, percentile } from './support';
import { BenchSystem } from './system';

async function main(): Promise<void> {
  const RUNS = argInt('runs', 100);
  const CLIENTS = argInt('clients', 1000);
  const RATE = argInt('rate', 1000);
  const SECONDS = argInt('seconds', 10);
  const WARMUP = argInt('warmup', 2);
  const system = await BenchSystem.start(['run-service', 'stream-service']);
  try {
    const user = 'usr_bench';
    const cookie = await BenchSystem.cookieFor(user);
    const runIds = await system.startedRuns(user, RUNS);
    const stream = system.service('stream-service');

    // Memory per idle connection: RSS before and after the clients connect, nothing flowing yet.
    global.gc?.();
    await new Promise((r) => setTimeout(r, 1_000));
    const rssBefore = system.rssBytes('stream-service');
    const acked = new Map<string, number>(); // `${runId}:${sequence}` → ack time
    const sseLatency: number[] = [];
    const natsLatency: number[] = [];
    let frames = 0;
    const clients: SseClient[] = [];
    let connected = 0;
    for (let i = 0; i < CLIENTS; i++) {
      const runId = runIds[i % RUNS] as string;
      const client = new SseClient(`${stream.url}/v1/agent-runs/${runId}/stream?since=1`, cookie, (frame) => {
        if (frame.type === 'connected') connected++;
        if (frame.type !== 'run_event' || frame.sequence === undefined) return;
        frames++;
        const at = acked.get(`${runId}:${frame.sequence}`);
        if (at !== undefined) sseLatency.push(frame.receivedAt - at);
      });
      clients.push(client);
      await client.open();
    }
    await new Promise((r) => setTimeout(r, 2_000));
    const rssIdle = system.rssBytes('stream-service');
    const perConnection = (rssIdle - rssBefore) / CLIENTS;

    // Baseline: a plain subscription to the same subjects, in this process.
    const sub = system.nc.subscribe(SUBJECTS.allRunEvents, {
      callback: (_e, msg) => {
        const receivedAt = performance.now();
        const event = decodeEvents<RunEvent>(msg.data).at(-1) as RunEvent;
        const at = acked.get(`${event.metadata.streamId}:${event.metadata.sequence}`);
        if (at !== undefined) natsLatency.push(receivedAt - at);
      },
    });

    // Steady appends: RATE events/s spread over the runs, one event per report. The first
    // WARMUP seconds (JIT, consumers' first pulls) are not measured.
    const warmup = RATE * WARMUP;
    const total = RATE * SECONDS + warmup;
    let started = performance.now();
    let appended = 0;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      if (i === warmup) {
        await Promise.all(inFlight);
        await new Promise((r) => setTimeout(r, 500));
        sseLatency.length = 0;
        natsLatency.length = 0;
        frames = 0;
        appended = 0;
        started = performance.now();
      }
      const due = started + ((i < warmup ? i : i - warmup) * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const runId = runIds[i % RUNS] as string;
      const p = system.reporter
        .report({ runId, attempt: 1, reports: [{ kind: 'phase_started', phase: 'reason' }], commandId: randomUUID(), agent: 'trip-planner' })
        .then((run) => {
          acked.set(`${runId}:${run.lastEventSequence}`, performance.now());
          appended++;
        });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
    const appendSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 2_000));
    const deliverySeconds = (performance.now() - started) / 1000;
    sub.unsubscribe();
    clients.forEach((c) => c.close());

    sseLatency.sort((a, b) => a - b);
    natsLatency.sort((a, b) => a - b);
    const expectedFrames = appended * (CLIENTS / RUNS);
    const p99 = percentile(sseLatency, 99);
    console.log(`bench:sse  ${machine()}`);
    console.log(`  ${CLIENTS} SSE clients on ${RUNS} runs (${connected} connected), ${fmt(appended / appendSeconds)} events/s appended for ${SECONDS} s`);
    console.log(`  latency append ack → frame, SSE:        p50 ${fmt(percentile(sseLatency, 50), 1)} ms   p99 ${fmt(p99, 1)} ms   (target p99 ≤ 25 ms) ${p99 <= 25 ? 'MET' : 'NOT MET'}`);
    console.log(`  latency append ack → message, NATS sub: p50 ${fmt(percentile(natsLatency, 50), 1)} ms   p99 ${fmt(percentile(natsLatency, 99), 1)} ms   (baseline)`);
    console.log(`  frames delivered: ${fmt(frames)} of ${fmt(expectedFrames)} expected, ${fmt(frames / deliverySeconds)} frames/s`);
    console.log(`  stream-service memory per idle connection: ${fmt(perConnection / 1024, 1)} KB  (target ≤ 64 KB) ${perConnection <= 64 * 1024 ? 'MET' : 'NOT MET'}`);
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
