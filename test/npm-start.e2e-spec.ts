import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServer, REPO_ROOT, TestDatabase, freePort, waitFor } from '../tools/harness';
import { SseConnection } from './support/sse';
import { TEST_JWT_SECRET, tokenFor } from './support/tokens';

/** Process ids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `npm start` as the README's walk-through uses it, in both process layouts: a run created,
 * streamed over SSE through the gateway, executed by the reference agent with its artifacts,
 * then Ctrl-C stops everything it started.
 */
describe.each(['one', 'each'] as const)('npm start (RUNSTREAM_PROCESSES=%s)', (mode) => {
  let nats: NatsServer;
  let db: TestDatabase;
  let launcher: ChildProcess | undefined;
  let log = '';
  let base = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));

  beforeAll(async () => {
    nats = await NatsServer.start();
    db = await TestDatabase.create();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    launcher = spawn(process.execPath, [join(REPO_ROOT, 'dist/tools/start.js')], {
      env: {
        ...process.env,
        RUNSTREAM_PROCESSES: mode,
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        RUNSTREAM_DATA_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'warn',
        TRIP_PLANNER_STEP_MS: '20',
        PORT: String(port),
        RUN_SERVICE_HEALTH_PORT: String(await freePort()),
        STREAM_SERVICE_PORT: String(await freePort()),
        ARTIFACT_SERVICE_PORT: String(await freePort()),
        REFERENCE_AGENT_HEALTH_PORT: String(await freePort()),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    launcher.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await waitFor('npm start up', async () => {
      if (launcher?.exitCode !== null) throw new Error(`start.js exited: ${log}`);
      return log.includes('up: API on');
    }, 90_000, 200);
  }, 120_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((r) => launcher?.once('exit', r));
      launcher.kill('SIGKILL');
      await exited;
    }
    await nats?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the walk-through: a run streamed live to completion, with its artifacts', async () => {
    const token = tokenFor('usr_start');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect({ path, status: res.status }).toEqual({ path, status: method === 'POST' && !path.includes('/control') ? 201 : 200 });
      return (await res.json()) as Record<string, any>;
    };
    const tripId = (await call('POST', '/v1/threads', { title: 'Lisbon' })).thread.id as number;
    const runId = (await call('POST', '/v1/agent-runs', { tripId, triggerMessage: '2 days in Lisbon' })).run.id as string;
    const stream = await SseConnection.open(`${base}/v1/agent-runs/${runId}/stream?since=0`, { token });
    expect(stream.status).toBe(200);
    await call('POST', `/v1/agent-runs/${runId}/control`, { action: 'start' });
    await stream.until((c) => c.frames.some((f) => f.type === 'run_finished'), 30_000);
    const run = (await call('GET', `/v1/agent-runs/${runId}`)).run;
    expect(run.status).toBe('completed');
    expect(stream.sequences).toEqual(Array.from({ length: run.lastEventSequence }, (_, i) => i + 1));
    const artifacts = (await call('GET', `/v1/agent-runs/${runId}/artifacts`)).artifacts as { artifactType: string }[];
    expect(artifacts.map((a) => a.artifactType).sort()).toEqual(['candidates', 'proposals']);
    stream.abort();
  }, 60_000);

  it('stops everything it started on Ctrl-C', async () => {
    const started = childrenOf(launcher!.pid!);
    expect(started.length).toBe(mode === 'one' ? 1 : 5);
    const exited = new Promise<number | null>((r) => launcher!.once('exit', (code) => r(code)));
    launcher!.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const pid of started) expect(alive(pid)).toBe(false);
    expect((await fetch(`${base}/health/live`).then(() => 'answered', () => 'closed'))).toBe('closed');
  }, 30_000);
});
