/**
 * bench:dispatch — 200 runs through a real run-service (dispatcher, lease monitor, projector) and
 * an agent worker (libs/agent-sdk): p50/p99 from the StartRun command to the worker's first
 * PHASE_STARTED in the log, and from the CancelRun command until both the RunCancelled event is
 * in the log and the worker's handler has seen its AbortSignal fire. Baseline in the same run: a
 * raw JetStream work-queue publish to pull-consumer delivery (one hop of the several dispatch takes).
 *
 *   npm run bench:dispatch -- [--runs 200] [--gap-ms 10]
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, RetentionPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { AgentWorker } from '../libs/agent-sdk/src';
import { STREAMS, SUBJECTS, type RunEvent } from '../libs/contracts/src';
import { decodeEvents } from '../libs/messaging/src';
import { argInt, fmt, machine, percentile } from './support';
import { BenchSystem } from './system';

const AGENT = 'bench-agent';

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${label.padEnd(44)} p50 ${fmt(percentile(sorted, 50), 1).padStart(6)} ms   p99 ${fmt(percentile(sorted, 99), 1).padStart(6)} ms   (n=${sorted.length})`;
}

/** Raw JetStream: publish to a work-queue stream, delivered to a durable pull consumer. */
async function baseline(js: JetStreamClient, jsm: JetStreamManager, count: number, gapMs: number): Promise<number[]> {
  await jsm.streams.add({ name: 'BENCH_WQ', subjects: ['bench.wq'], retention: RetentionPolicy.Workqueue });
  await jsm.consumers.add('BENCH_WQ', { durable_name: 'bench', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
  const messages = await (await js.consumers.get('BENCH_WQ', 'bench')).consume({ max_messages: 64 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const done = (async () => {
    for await (const m of messages) {
      latencies.push(performance.now() - (sentAt.get(m.string()) ?? 0));
      m.ack();
      if (latencies.length === count) break;
    }
  })();
  for (let i = 0; i < count; i++) {
    sentAt.set(String(i), performance.now());
    await js.publish('bench.wq', String(i));
    await sleep(gapMs);
  }
  await done;
  await jsm.streams.delete('BENCH_WQ');
  return latencies;
}

async function main(): Promise<void> {
  const RUNS = argInt('runs', 200);
  const GAP = argInt('gap-ms', 10);
  const system = await BenchSystem.start(['run-service']);
  const worker = new AgentWorker({
    nc: system.nc,
    agents: {
      [AGENT]: async (_run, ctx) => {
        await ctx.phase('understand');
        // Works until told to stop, like an agent mid-step.
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        abortedAt.set(_run.runId, performance.now());
      },
    },
    maxConcurrentRuns: RUNS,
  });
  const abortedAt = new Map<string, number>();
  try {
    console.log(`bench:dispatch — ${machine()}`);
    await worker.start();
    const user = 'usr_dispatch';
    const actor = { kind: 'user' as const, id: user, scopes: ['workflow:run'] };
    const meta = () => ({ commandId: randomUUID(), correlationId: randomUUID(), actor });
    await system.commands.send(SUBJECTS.threadCommands(1), { type: 'CreateThread', data: { threadId: 1 }, metadata: meta() });
    const ids = Array.from({ length: RUNS }, () => randomUUID());
    for (const runId of ids)
      await system.commands.send(SUBJECTS.runCommands(runId), {
        type: 'CreateRun',
        data: { runId, threadId: 1, triggerMessage: 'bench', agent: AGENT },
        metadata: meta(),
      });

    // Watch the log as an internal subscriber would.
    const phaseAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    const claimedAt = new Map<string, number>();
    const cancelledAt = new Map<string, number>();
    const feed = await (
      await system.js.consumers.get(STREAMS.events, { filter_subjects: SUBJECTS.allRunEvents, deliver_policy: DeliverPolicy.New })
    ).consume({ max_messages: 1_000 });
    void (async () => {
      for await (const m of feed) {
        const event = decodeEvents<RunEvent>(m.data)[0] as RunEvent;
        if (event.type === 'RunPhaseStarted' && !phaseAt.has(event.metadata.streamId)) phaseAt.set(event.metadata.streamId, performance.now());
        if (event.type === 'RunStartedV2') startedAt.set(event.metadata.streamId, performance.now());
        if (event.type === 'RunClaimed') claimedAt.set(event.metadata.streamId, performance.now());
        if (event.type === 'RunCancelled') cancelledAt.set(event.metadata.streamId, performance.now());
      }
    })();

    const startSent = new Map<string, number>();
    for (const runId of ids) {
      startSent.set(runId, performance.now());
      void system.commands.send(SUBJECTS.runCommands(runId), { type: 'StartRun', data: { runId }, metadata: meta() });
      await sleep(GAP);
    }
    const deadline = Date.now() + 60_000;
    while (phaseAt.size < RUNS && Date.now() < deadline) await sleep(50);
    await sleep(200);

    const cancelSent = new Map<string, number>();
    for (const runId of ids) {
      cancelSent.set(runId, performance.now());
      void system.commands.send(SUBJECTS.runCommands(runId), { type: 'CancelRun', data: { runId, reason: 'bench' }, metadata: meta() });
      await sleep(GAP);
    }
    while ((cancelledAt.size < RUNS || abortedAt.size < RUNS) && Date.now() < deadline + 60_000) await sleep(50);

    const dispatch = ids.filter((id) => phaseAt.has(id)).map((id) => (phaseAt.get(id) as number) - (startSent.get(id) as number));
    const cancel = ids
      .filter((id) => cancelledAt.has(id) && abortedAt.has(id))
      .map((id) => Math.max(cancelledAt.get(id) as number, abortedAt.get(id) as number) - (cancelSent.get(id) as number));
    await feed.close();
    const raw = await baseline(system.js, system.jsm, RUNS, GAP);

    console.log(`${RUNS} runs, one every ${GAP} ms; worker in this process, run-service (with projector) in its own`);
    console.log(summary('start → first PHASE_STARTED', dispatch) + '   target p99 ≤ 50 ms');
    console.log(summary('cancel → RunCancelled + handler aborted', cancel) + '   target p99 ≤ 100 ms');
    console.log(summary('baseline: raw work-queue publish → delivery', raw));
    const segment = (from: Map<string, number>, to: Map<string, number>) =>
      ids.filter((id) => from.has(id) && to.has(id)).map((id) => (to.get(id) as number) - (from.get(id) as number));
    console.log('where dispatch time goes:');
    console.log(summary('  StartRun sent → RunStarted seen', segment(startSent, startedAt)));
    console.log(summary('  RunStarted → RunClaimed seen', segment(startedAt, claimedAt)));
    console.log(summary('  RunClaimed → first PHASE_STARTED seen', segment(claimedAt, phaseAt)));
    if (dispatch.length < RUNS || cancel.length < RUNS) console.log(`INCOMPLETE: ${dispatch.length} dispatched, ${cancel.length} cancelled`);
  } finally {
    await worker.stop(1_000);
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
