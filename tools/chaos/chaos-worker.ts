import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentWorker, type RunContext } from '../../libs/agent-sdk/src';
import { connectNats } from '../../libs/messaging/src';
import { createLogger, runService } from '../../libs/platform/src';

/** The chaos run's agent: `CHAOS_EVENTS` tool calls per run, a typed artifact, then done. */
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 500);
/** A pause after every tenth call, so a run lasts long enough for faults to land in it. */
const PAUSE_MS = Number(process.env.CHAOS_PAUSE_MS ?? 5);
const logger = createLogger('chaos-worker');

/** bench:burst asks for `{"burst":K,"rate":R}` in the trigger message: K tool calls, R per second (0: back to back). */
function burstOf(message: string): { events: number | null; rate: number } {
  try {
    const spec = JSON.parse(message) as { burst?: unknown; rate?: unknown };
    if (typeof spec.burst === 'number') return { events: spec.burst, rate: typeof spec.rate === 'number' ? spec.rate : 0 };
  } catch {
    // an ordinary chaos run
  }
  return { events: null, rate: 0 };
}

/**
 * One `toolCall` per event, each stamped with the wall-clock instant it was emitted (sub-millisecond),
 * as fast as the handler can call (not waiting for each to be stored: the SDK appends what queued
 * meanwhile together), then waits for all of them to be in the log.
 */
async function burst(ctx: RunContext, events: number, rate: number): Promise<{ events: number }> {
  const started = performance.now();
  const calls: Promise<string>[] = [];
  for (let i = 1; i <= events; i++) {
    if (rate > 0) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
    }
    calls.push(ctx.toolCall('step', { i, at: performance.timeOrigin + performance.now() }));
  }
  await Promise.all(calls);
  return { events };
}

void runService('chaos-worker', logger, async () => {
  const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'chaos-worker', logger);
  const worker = new AgentWorker({
    nc,
    agents: {
      chaos: {
        version: '1',
        description: 'Emits a fixed number of events per run (chaos runs)',
        phases: [],
        tools: ['step'],
        environment: 'default',
        handler: async (run, ctx) => {
          const { events, rate } = burstOf(run.triggerMessage);
          if (events !== null) return burst(ctx, events, rate);
          for (let i = 1; i <= EVENTS; i++) {
            await ctx.toolCall('step', { i });
            if (i % 10 === 0) await sleep(PAUSE_MS, undefined, { signal: ctx.signal });
          }
          await ctx.artifact({ artifactType: 'tally', content: { events: EVENTS } });
          return { events: EVENTS };
        },
      },
    },
    maxConcurrentRuns: 500,
    leaseRenewMs: Number(process.env.WORKER_LEASE_RENEW_MS ?? 1_000),
    logger,
  });
  const health = createServer((req, res) => {
    res.writeHead(req.url === '/health/live' || !nc.isClosed() ? 200 : 503, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => health.listen(Number(process.env.HEALTH_PORT ?? 3005), resolve));
  await worker.start();
  return {
    close: async () => {
      await worker.stop();
      await nc.drain();
      health.close();
    },
  };
});
