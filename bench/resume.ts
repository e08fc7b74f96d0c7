/**
 * bench:resume — time to the first replayed frame for `since=N-10` on a run of 100 events and on
 * a run of 50,000 events, in the same run; the ratio shows whether resuming costs the events
 * missed (≈ 1) or the run's length.
 *
 *   npm run bench:resume -- [--short 100] [--long 50000] [--tries 30]
 */
import { randomUUID } from 'node:crypto';
import type { WorkerReport } from '../libs/contracts/src';
import { SseClient } from './sse-client';
import { argInt, fmt, machine, percentile } from './support';
import { BenchSystem } from './system';

async function main(): Promise<void> {
  const SHORT = argInt('short', 100);
  const LONG = argInt('long', 50_000);
  const TRIES = argInt('tries', 30);
  const system = await BenchSystem.start(['run-service', 'stream-service']);
  try {
    const user = 'usr_resume';
    const cookie = await BenchSystem.cookieFor(user);
    const [shortRun, longRun] = (await system.startedRuns(user, 2)) as [string, string];
    const fill = async (runId: string, events: number) => {
      const reports: WorkerReport[] = Array.from({ length: 500 }, () => ({ kind: 'phase_started', phase: 'reason' }));
      for (let sent = 0; sent < events; sent += reports.length)
        await system.reporter.report({
          runId,
          attempt: 1,
          reports: reports.slice(0, Math.min(reports.length, events - sent)),
          commandId: randomUUID(),
          agent: 'trip-planner',
        });
    };
    // RunStarted is event 1; the rest are reports.
    await Promise.all([fill(shortRun, SHORT - 1), fill(longRun, LONG - 1)]);
    await system.projected(`SELECT count(*)::int AS n FROM run_events WHERE run_id = '${longRun}'`, LONG + 1);
    await system.projected(`SELECT count(*)::int AS n FROM run_events WHERE run_id = '${shortRun}'`, SHORT + 1);
    const stream = system.service('stream-service');

    const firstFrame = (runId: string, length: number) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const client = new SseClient(`${stream.url}/v1/agent-runs/${runId}/stream?since=${length - 10}`, cookie, (frame) => {
          if (frame.type !== 'run_event') return;
          if (frame.sequence !== length - 9) reject(new Error(`first frame was ${frame.sequence}`));
          client.close();
          resolve(frame.receivedAt - t0);
        });
        client.open().catch(reject);
      });
    const times = { short: [] as number[], long: [] as number[] };
    await firstFrame(shortRun, SHORT); // warm-up
    await firstFrame(longRun, LONG);
    for (let i = 0; i < TRIES; i++) {
      times.short.push(await firstFrame(shortRun, SHORT));
      times.long.push(await firstFrame(longRun, LONG));
    }
    times.short.sort((a, b) => a - b);
    times.long.sort((a, b) => a - b);
    const ratio = percentile(times.long, 50) / percentile(times.short, 50);
    console.log(`bench:resume  ${machine()}`);
    console.log(`  time to first replayed frame, since=N-10, median (p90) of ${TRIES}:`);
    console.log(`    run of ${fmt(SHORT)} events:    ${fmt(percentile(times.short, 50), 2)} ms  (${fmt(percentile(times.short, 90), 2)} ms)`);
    console.log(`    run of ${fmt(LONG)} events: ${fmt(percentile(times.long, 50), 2)} ms  (${fmt(percentile(times.long, 90), 2)} ms)`);
    console.log(`  ratio long / short: ${fmt(ratio, 2)}  (target ≤ 1.5)  ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`);
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
