/**
 * bench:rebuild — read-model rebuild speed: a log of R runs × E events (worker reports appended in
 * batches, as the SDK does), projected once; then the run-service is stopped, `read-model:rebuild`
 * drops the read model, and the run-service is started again: events/s from its start until every
 * event is back in Postgres. Baseline in the same run: one raw ordered consumer reading the same
 * stream from the start, decoding every message into its events (what any reader has to do).
 *
 *   npm run bench:rebuild -- [--runs 100] [--events 1000]
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { STREAMS, eventsOf, type WorkerReport } from '../libs/contracts/src';
import { REPO_ROOT } from '../tools/harness';
import { argInt, cpuSeconds, cpuSecondsOf, fmt, machine, pipelined } from './support';
import { BenchSystem } from './system';

async function main(): Promise<void> {
  const RUNS = argInt('runs', 100);
  const EVENTS = argInt('events', 1_000);
  const system = await BenchSystem.start(['run-service']);
  try {
    const runIds = await system.startedRuns('usr_rebuild', RUNS);
    // Tool calls of a few hundred bytes, 100 per append: a realistic mix of payload and batching.
    const reports: WorkerReport[] = Array.from({ length: 100 }, (_, i): WorkerReport =>
      i % 2 === 0
        ? { kind: 'tool_call', callId: `call_${i}`, name: 'search_attractions', input: { query: `museums near the river, page ${i}`, limit: 10 } }
        : { kind: 'tool_result', callId: `call_${i - 1}`, output: { items: ['Gulbenkian', 'MAAT', 'Tile museum'], tookMs: 42 } },
    );
    await pipelined(RUNS, 10, async (r) => {
      const runId = runIds[r] as string;
      for (let sent = 1; sent < EVENTS; sent += reports.length)
        await system.reporter.report({ runId, attempt: 1, reports: reports.slice(0, Math.min(reports.length, EVENTS - sent)), commandId: randomUUID(), agent: 'trip-planner' });
    });
    const count = async () => (await system.db.query<{ n: number }>('SELECT count(*)::int AS n FROM run_events'))[0]?.n ?? 0;
    const total = await (async () => {
      const info = await system.jsm.streams.info(STREAMS.events);
      await system.projected('SELECT count(*)::int AS n FROM run_events', RUNS * EVENTS);
      return { messages: info.state.messages, events: await count() };
    })();

    console.log(`bench:rebuild  ${machine()}`);
    console.log(`  log: ${fmt(total.events)} events in ${fmt(total.messages)} messages (${fmt(RUNS)} runs, plus their thread)`);

    // Baseline: the same stream, read raw.
    const rawStarted = performance.now();
    const consumer = await system.js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.All });
    const messages = await consumer.consume();
    let read = 0;
    let raw = 0;
    for await (const m of messages) {
      raw += eventsOf(m.json()).length;
      if (++read === total.messages) break;
    }
    const rawPerSecond = raw / ((performance.now() - rawStarted) / 1000);
    await messages.close();

    const runService = system.service('run-service');
    await runService.stop();
    execFileSync(process.execPath, [join(REPO_ROOT, 'dist/tools/rebuild-read-model.js')], {
      env: { ...process.env, NATS_URL: system.nats.url, DATABASE_URL: system.db.url },
      stdio: 'ignore',
    });
    if ((await count()) !== 0) throw new Error('read model not dropped');
    const cpu = () => ({ postgres: cpuSecondsOf('postgres'), nats: cpuSeconds(system.nats.pid!) });
    const cpuBefore = cpu();
    const started = performance.now();
    await runService.spawn();
    const ready = performance.now();
    await system.projected('SELECT count(*)::int AS n FROM run_events', total.events);
    const finished = performance.now();
    const serviceCpu = cpuSeconds(runService.pid!);
    const cpuAfter = cpu();
    const perSecond = total.events / ((finished - started) / 1000);
    const ratio = perSecond / rawPerSecond;
    console.log(`  rebuild, run-service start → every event in Postgres: ${fmt(perSecond)} events/s  (${fmt((finished - started) / 1000, 1)} s, of which start-up ${fmt((ready - started) / 1000, 1)} s)`);
    console.log(
      `  CPU over the rebuild: run-service ${fmt(serviceCpu, 2)} s, Postgres (all backends) ${fmt(cpuAfter.postgres - cpuBefore.postgres, 2)} s, nats-server ${fmt(cpuAfter.nats - cpuBefore.nats, 2)} s`,
    );
    console.log(`  baseline, raw ordered consumer decoding the same stream: ${fmt(rawPerSecond)} events/s`);
    console.log(`  ratio: ${fmt(ratio, 2)}×  (target ≥ 0.5×) ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`);
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
