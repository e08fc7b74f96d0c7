/**
 * bench:burst — one run's burst: a worker (the agent SDK, in its own process) emits K events back
 * to back, one `ctx.toolCall` each, no merging; one SSE client reads the run through the gateway.
 * Prints create → K-th frame and first → last frame as events/s, CPU seconds per event summed
 * over every process (nats-server included), and the per-event latency (emitted in the worker →
 * frame at the client) at a steady 200 events/s. Baseline in the same run, on the same nats-server:
 * K raw JetStream publishes of the same size to one subject, pipelined, read by one ordered consumer.
 *
 *   npm run bench:burst -- [--events 5000,50000] [--rate 200] [--rate-seconds 10]
 */
import { DeliverPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { eventsOf } from '../libs/contracts/src';
import { ServiceProcess } from '../tools/harness';
import { SseClient } from './sse-client';
import { argInt, argStr, cpuSeconds, fmt, machine, percentile } from './support';
import { BenchSystem } from './system';

interface BurstResult {
  createToLast: number;
  firstToLast: number;
  cpuPerEvent: number;
  latencies: number[];
}

async function main(): Promise<void> {
  const sizes = argStr('events', '5000,50000').split(',').map(Number);
  const RATE = argInt('rate', 200);
  const RATE_SECONDS = argInt('rate-seconds', 10);
  const system = await BenchSystem.start(['run-service', 'stream-service', 'artifact-service']);
  const gateway = await ServiceProcess.start('gateway', {
    NATS_URL: system.nats.url,
    DATABASE_URL: system.db.url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_REQUESTS: '0',
    STREAM_SERVICE_URL: system.service('stream-service').url,
    ARTIFACT_SERVICE_URL: system.service('artifact-service').url,
  });
  const worker = await ServiceProcess.start('chaos-worker', { NATS_URL: system.nats.url, LOG_LEVEL: 'warn' });
  const processes = [...system.services.values(), gateway, worker];
  try {
    const cookie = await BenchSystem.cookieFor('usr_bench', 'workflow:run');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, any>;
    };
    const tripId = (await post('/v1/threads', { title: 'burst' })).thread.id as number;

    /** One run of `events` tool calls at `rate` (0: back to back), watched over SSE from before it starts. */
    const run = async (events: number, rate: number, streamBase = gateway.url): Promise<BurstResult> => {
      const created = performance.now();
      const runId = (await post('/v1/agent-runs', { tripId, agent: 'chaos', triggerMessage: JSON.stringify({ burst: events, rate }) })).run.id as string;
      let tools = 0;
      let first = 0;
      let last = 0;
      const latencies: number[] = [];
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const client = new SseClient(`${streamBase}/v1/agent-runs/${runId}/stream?since=0`, cookie, (frame) => {
        if (frame.type !== 'run_event' || !frame.line.includes('"TOOL_CALL"')) return;
        tools++;
        if (tools === 1) first = frame.receivedAt;
        const at = /"at":([\d.]+)/.exec(frame.line)?.[1];
        if (at !== undefined) latencies.push(performance.timeOrigin + frame.receivedAt - Number(at));
        if (tools === events) {
          last = frame.receivedAt;
          done();
        }
      });
      await client.open();
      const cpuBefore = processes.reduce((sum, p) => sum + cpuSeconds(p.pid!), cpuSeconds(system.nats.pid!));
      await post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
      // A stall is reported, not waited on forever.
      let seen = -1;
      const watchdog = setInterval(() => {
        if (tools !== seen) return void (seen = tools);
        void fetch(`${gateway.url}/v1/agent-runs/${runId}`, { headers: { cookie } })
          .then((r) => r.text())
          .then((body) => console.error(`  stalled at ${tools} of ${events} frames (stream ${client.status}); run: ${body.slice(0, 300)}`));
      }, 15_000);
      await finished;
      clearInterval(watchdog);
      const cpuAfter = processes.reduce((sum, p) => sum + cpuSeconds(p.pid!), cpuSeconds(system.nats.pid!));
      client.close();
      return { createToLast: events / ((last - created) / 1000), firstToLast: (events - 1) / ((last - first) / 1000), cpuPerEvent: (cpuAfter - cpuBefore) / events, latencies };
    };

    /** The same number of messages of the same size, pipelined into a stream of their own, read by an ordered consumer. */
    const baseline = async (events: number, bytes: number): Promise<number> => {
      const name = `BURST_BASELINE_${events}`;
      await system.jsm.streams.add({ name, subjects: [`burst.${events}`], retention: RetentionPolicy.Limits, storage: StorageType.File });
      const payload = new Uint8Array(bytes).fill(120);
      const consumer = await system.js.consumers.get(name, { deliver_policy: DeliverPolicy.All });
      const messages = await consumer.consume();
      const started = performance.now();
      const read = (async () => {
        let n = 0;
        for await (const _ of messages) if (++n === events) break;
      })();
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < events; i++) {
        inFlight.push(system.js.publish(`burst.${events}`, payload));
        if (inFlight.length >= 256) await inFlight.shift();
      }
      await Promise.all(inFlight);
      await read;
      const perSecond = events / ((performance.now() - started) / 1000);
      await messages.close();
      await system.jsm.streams.delete(name);
      return perSecond;
    };

    console.log(`bench:burst  ${machine()}`);
    await run(500, 0); // warm-up: JIT, consumers, connections
    // The size of one stored RunToolCalled event, for the baseline's messages.
    const sample = await system.jsm.direct.getMessage('RUN_EVENTS', { last_by_subj: 'runs.events.>' }).catch(() => null);
    const stored = sample ? eventsOf<{ type: string }>(JSON.parse(new TextDecoder().decode(sample.data))) : [];
    const one = stored.find((e) => e.type === 'RunToolCalled') ?? stored[0];
    const bytes = one ? Buffer.byteLength(JSON.stringify(one)) : 600;
    for (const events of sizes) {
      const burst = await run(events, 0);
      const raw = await baseline(events, bytes);
      const ratio = burst.createToLast / raw;
      console.log(`  K = ${fmt(events)} events of ~${bytes} B, one SSE client through the gateway`);
      console.log(`    create → K-th frame:      ${fmt(burst.createToLast)} events/s   (${fmt(ratio, 2)}× baseline; target ≥ 0.5×) ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`);
      console.log(`    first → last frame:       ${fmt(burst.firstToLast)} events/s`);
      console.log(`    CPU per event, all processes: ${fmt(burst.cpuPerEvent * 1000, 3)} ms   (target ≤ 0.1 ms) ${burst.cpuPerEvent <= 0.0001 ? 'MET' : 'NOT MET'}`);
      console.log(`    baseline, raw pipelined JetStream publish → ordered consumer: ${fmt(raw)} msgs/s`);
    }
    const steady = await run(RATE * RATE_SECONDS, RATE);
    const sorted = steady.latencies.sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    console.log(`  steady ${RATE} events/s for ${RATE_SECONDS} s, worker emit → frame through the gateway:`);
    console.log(`    p50 ${fmt(percentile(sorted, 50), 2)} ms   p99 ${fmt(p99, 2)} ms   (target p99 ≤ 2.5 ms) ${p99 <= 2.5 ? 'MET' : 'NOT MET'}`);
    // The same straight at the stream-service: what the gateway's proxy hop adds.
    const direct = (await run(RATE * RATE_SECONDS, RATE, system.service('stream-service').url)).latencies.sort((a, b) => a - b);
    console.log(`    straight to the stream-service (no gateway hop): p50 ${fmt(percentile(direct, 50), 2)} ms   p99 ${fmt(percentile(direct, 99), 2)} ms`);
  } finally {
    await worker.stop();
    await gateway.stop();
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
