/**
 * bench:http — the public read and write routes through the gateway, 20 connections each (autocannon,
 * keep-alive), against a bare route of the same gateway process that does no work (`GET /health/live`:
 * the same Express + Nest pipeline and request logging, no credential, no database), measured in the
 * same run. Then one profile of the gateway under `GET` run, its self time grouped by where the code
 * lives (token verification, ORM, driver, logging, Nest, Express…), to say where a read's time goes.
 *
 *   npm run bench:http -- [--seconds 8] [--connections 20] [--no-profile]
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceProcess } from '../tools/harness';
import { readNewestProfile, selfTimeByOwner } from './cpu-profile';
import { argInt, fmt, machine } from './support';
import { BenchSystem } from './system';

interface Load {
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
}

async function main(): Promise<void> {
  const SECONDS = argInt('seconds', 8);
  const CONNECTIONS = argInt('connections', 20);
  const profile = !process.argv.includes('--no-profile');
  const system = await BenchSystem.start(['run-service', 'stream-service', 'artifact-service']);
  const gatewayEnv = (extra: Record<string, string> = {}) => ({
    NATS_URL: system.nats.url,
    DATABASE_URL: system.db.url,
    LOG_LEVEL: 'info',
    RATE_LIMIT_REQUESTS: '0',
    STREAM_SERVICE_URL: system.service('stream-service').url,
    ARTIFACT_SERVICE_URL: system.service('artifact-service').url,
    ...extra,
  });
  let gateway = await ServiceProcess.start('gateway', gatewayEnv());
  const worker = await ServiceProcess.start('chaos-worker', { NATS_URL: system.nats.url, LOG_LEVEL: 'warn' });
  const profileDir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  try {
    const token = await BenchSystem.tokenFor('usr_bench', 'workflow:run');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, any>;
    };

    // A thread with 50 runs, one of them completed with 200 events: what a list, a run and an events page read.
    const tripId = (await call('POST', '/v1/threads', { title: 'http bench' })).thread.id as number;
    for (let i = 0; i < 49; i++) await call('POST', '/v1/agent-runs', { tripId, agent: 'chaos', triggerMessage: `run ${i}` });
    const runId = (await call('POST', '/v1/agent-runs', { tripId, agent: 'chaos', triggerMessage: JSON.stringify({ burst: 200, rate: 0 }) })).run.id as string;
    await call('POST', `/v1/agent-runs/${runId}/control`, { action: 'start' });
    for (let status = ''; status !== 'completed'; await new Promise((r) => setTimeout(r, 100))) {
      status = (await call('GET', `/v1/agent-runs/${runId}`)).run.status as string;
      if (status === 'failed' || status === 'cancelled') throw new Error(`set-up run ${status}`);
    }

    const measure = async (load: Load) => {
      const result = await autocannon({
        url: `${gateway.url}${load.path}`,
        method: load.method ?? 'GET',
        headers,
        body: load.body,
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      const failed = result.non2xx + result.errors + result.timeouts;
      if (failed > 0) throw new Error(`${load.method ?? 'GET'} ${load.path}: ${failed} of ${result.requests.total} requests failed`);
      return { perSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
    };

    const bare: Load = { path: '/health/live' };
    const routes: [string, Load, number][] = [
      ['GET run', { path: `/v1/agent-runs/${runId}` }, 0.5],
      ['GET events page (100)', { path: `/v1/agent-runs/${runId}/events?since=0&limit=100` }, 0.5],
      ['GET list (20 of 50)', { path: `/v1/agent-runs?tripId=${tripId}&limit=20` }, 0.5],
      ['POST create run', { path: '/v1/agent-runs', method: 'POST', body: JSON.stringify({ tripId, agent: 'chaos', triggerMessage: 'bench' }) }, 0],
    ];

    console.log(`bench:http  ${machine()}  ${CONNECTIONS} connections, ${SECONDS} s each, through the gateway`);
    await measure({ path: `/v1/agent-runs/${runId}` }); // warm-up: JIT, pools
    for (const [name, load, target] of routes) {
      const baseline = await measure(bare); // beside each route, so drift shows in both
      const route = await measure(load);
      const ratio = route.perSecond / baseline.perSecond;
      const verdict = target > 0 ? `(target ≥ ${target}×) ${ratio >= target ? 'MET' : 'NOT MET'}` : '(no target: a write waits for its event in the log and the read model)';
      console.log(`  ${name.padEnd(22)} ${fmt(route.perSecond).padStart(7)} req/s  p50 ${route.p50} ms  p99 ${route.p99} ms   ${fmt(ratio, 2)}× bare ${verdict}`);
      console.log(`  ${'  bare GET /health/live'.padEnd(22)} ${fmt(baseline.perSecond).padStart(7)} req/s  p50 ${baseline.p50} ms  p99 ${baseline.p99} ms`);
    }

    if (profile) {
      // A gateway of its own under the GET run load, profiled from start to exit; start-up is a small share.
      await gateway.stop();
      gateway = await ServiceProcess.start('gateway', gatewayEnv({ RUNSTREAM_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${profileDir}` }));
      const loadStarted = performance.now();
      const load = await measure({ path: `/v1/agent-runs/${runId}` });
      const stopping = performance.now();
      await gateway.stop();
      const stopped = performance.now();
      const owners = selfTimeByOwner(readNewestProfile(profileDir), {
        fromMsBeforeEnd: stopped - loadStarted,
        toMsBeforeEnd: stopped - stopping,
      });
      console.log(`  profile of the gateway under GET run (${fmt(load.perSecond)} req/s while profiled), self time by owner:`);
      for (const { owner, share } of owners.slice(0, 14)) console.log(`    ${fmt(share * 100, 1).padStart(5)}%  ${owner}`);
    }
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    await worker.stop();
    await gateway.stop();
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
