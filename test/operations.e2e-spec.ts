import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, freePort } from '../tools/harness';
import { TestSystem } from './support/system';

function runMain(app: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps', app, 'src/main.js')], {
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** What an operator relies on: health, metrics, fail-fast configuration, graceful shutdown. */
describe('operations', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
  });
  afterAll(() => system?.stop());

  it('serves liveness and readiness without credentials on every service', async () => {
    for (const service of [system.gateway!, system.runServices[0]!]) {
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { info: { nats: { status: string } } }).info.nats.status).toBe('up');
    }
    const worker = system.workers[0]!;
    expect((await fetch(`${worker.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${worker.url}/health/ready`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ok', activeRuns: 0 } });
  });

  it('reports not ready when NATS is gone, and ready again when it is back', async () => {
    await system.nats.kill();
    const down = await fetch(`${system.gateway!.url}/health/ready`);
    expect(down.status).toBe(503);
    await system.nats.restart();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${system.gateway!.url}/health/ready`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });

  it('exposes Prometheus metrics, including the commands the run-service settled', async () => {
    const user = 'usr_ops';
    const tripId = await system.thread(user);
    const res = await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage: 'metrics' });
    expect(res.status).toBe(201);
    const text = await (await fetch(`${system.runServices[0]!.url}/metrics`)).text();
    expect(text).toMatch(/runstream_commands_total\{type="CreateRun",outcome="applied"\} [1-9]/);
    expect(text).toMatch(/runstream_events_appended_total [1-9]/);
    expect((await fetch(`${system.gateway!.url}/metrics`)).status).toBe(200);
  });

  it('refuses to start on bad configuration, naming the variable', async () => {
    const bad = await runMain('gateway', { ...system.baseEnv, PORT: 'not-a-port', COMMAND_TIMEOUT_MS: 'soon' });
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('PORT');
    expect(bad.output).toContain('COMMAND_TIMEOUT_MS');
    const badUrl = await runMain('run-service', { ...system.baseEnv, NATS_URL: 'http://localhost:4222' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.output).toMatch(/NATS_URL: .*nats:\/\//);
    const badWorker = await runMain('reference-agent', { ...system.baseEnv, WORKER_CONCURRENCY: 'many' });
    expect(badWorker.code).toBe(1);
    expect(badWorker.output).toContain('WORKER_CONCURRENCY');
  });

  it('refuses development secrets and placeholders in production, naming the variable and never the value', async () => {
    const { JWT_SECRET: _dev, ...withoutSecret } = system.baseEnv as Record<string, string>;
    const gateway = await runMain('gateway', { ...withoutSecret, NODE_ENV: 'production', PORT: String(await freePort()) });
    expect(gateway.code).toBe(1);
    expect(gateway.output).toContain('JWT_SECRET: the development default');
    expect(gateway.output).not.toContain('runstream-development-secret');
    const placeholder = await runMain('artifact-service', {
      ...system.baseEnv,
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
      ARTIFACT_URL_SECRET: 'CHANGE_ME-at-least-16-characters',
      PORT: String(await freePort()),
    });
    expect(placeholder.code).toBe(1);
    expect(placeholder.output).toContain('ARTIFACT_URL_SECRET: the development default');
    expect(placeholder.output).not.toContain('CHANGE_ME');
    const short = await runMain('stream-service', { ...system.baseEnv, NODE_ENV: 'production', JWT_SECRET: 'short-but-not-default', PORT: String(await freePort()) });
    expect(short.code).toBe(1);
    expect(short.output).toContain('JWT_SECRET: must be at least 32 characters in production');
  });

  it('refuses replicated streams on a nats-server that cannot keep their appends serializable', async () => {
    const version = system.nc.info?.version ?? '';
    const [major, minor, patch] = version.split('.').map(Number);
    const old = major! < 2 || (major === 2 && (minor! < 9 || (minor === 9 && patch! < 21)));
    const replicated = await runMain('run-service', { ...system.baseEnv, STREAM_REPLICAS: '3', HEALTH_PORT: String(await freePort()) });
    if (old) {
      expect(replicated.code).toBe(1);
      expect(replicated.output).toContain('STREAM_REPLICAS: 3 needs nats-server 2.9.21');
      expect(replicated.output).toContain(version);
    } else {
      // A newer server gets past the check (and then fails on one node: R3 needs a cluster).
      expect(replicated.output).not.toContain('needs nats-server');
    }
  });

  it('shuts down gracefully on SIGTERM with exit code 0', async () => {
    const extra = await system.startRunService();
    await extra.stop();
    expect(extra.exitCode).toBe(0);
  });

  it('a worker stopped with SIGTERM finishes the attempt it holds and exits 0', async () => {
    const user = 'usr_drain';
    const worker = await system.startWorker({ AGENT_NAME: 'drain-test', TRIP_PLANNER_STEP_MS: '200' });
    const tripId = await system.thread(user);
    const created = await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 2 days in Rome', agent: 'drain-test' });
    const runId = created.body.run.id as string;
    await system.api(user).post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    await system.waitForRun(user, runId, (s) => s === 'running');
    await new Promise((r) => setTimeout(r, 300)); // claimed and mid-run
    await worker.stop();
    expect(worker.exitCode).toBe(0);
    const run = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s), 10_000);
    expect(run).toMatchObject({ status: 'completed', attempt: 1 });
  });
});
