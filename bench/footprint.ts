/**
 * bench:footprint — resident memory of every process `npm start` runs (its launcher and each
 * service), idle after start and idle again after 1,000 runs of the reference agent, beside the
 * same figure for a bare Node process (the floor every process pays). Says what each holds:
 * the V8 heap in use and committed (from its /metrics), and the rest of its resident set split into
 * anonymous memory and file-backed pages (code and shared libraries, from /proc/<pid>/smaps_rollup).
 *
 *   npm run bench:footprint -- [--runs 1000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServer, REPO_ROOT, TestDatabase, freePort, waitFor } from '../tools/harness';
import { argInt, fmt, machine, pipelined } from './support';
import { BenchSystem } from './system';

const MB = 1024 * 1024;
const LAUNCHER = 'launcher (tools/start.js)';

interface Footprint {
  name: string;
  rss: number;
  anon: number;
  file: number;
  heapUsed: number | null;
  heapTotal: number | null;
}

/** kB fields of /proc/<pid>/smaps_rollup, in bytes. */
function rollup(pid: number): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) fields[m[1] as string] = Number(m[2]) * 1024;
  }
  return fields;
}

/** Every process below `root` (itself included), from /proc's parent links. */
function tree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parents) if (ppid === found[i]) found.push(pid);
  return found;
}

function nameOf(pid: number): string {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const script = argv.find((a) => a.endsWith('.js')) ?? argv[0] ?? '?';
  return /apps\/([^/]+)\//.exec(script)?.[1] ?? (script.endsWith('tools/start.js') ? LAUNCHER : script);
}

async function heapOf(port: string | undefined): Promise<{ used: number; total: number } | null> {
  if (!port) return null;
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  const value = (metric: string) => Number(new RegExp(`^${metric} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  const used = value('nodejs_heap_size_used_bytes');
  return Number.isFinite(used) ? { used, total: value('nodejs_heap_size_total_bytes') } : null;
}

async function measure(root: number, ports: Record<string, string>): Promise<Footprint[]> {
  const out: Footprint[] = [];
  for (const pid of tree(root)) {
    const name = nameOf(pid);
    const r = rollup(pid);
    const heap = await heapOf(ports[name]);
    out.push({ name, rss: r.Rss ?? 0, anon: r.Anonymous ?? 0, file: (r.Rss ?? 0) - (r.Anonymous ?? 0), heapUsed: heap?.used ?? null, heapTotal: heap?.total ?? null });
  }
  return out;
}

function print(title: string, rows: Footprint[]): number {
  const total = rows.reduce((sum, r) => sum + r.rss, 0);
  console.log(`    ${title}: ${fmt(total / MB)} MB in all (target ≤ 450 MB idle) ${total <= 450 * MB ? 'MET' : 'NOT MET'}`);
  for (const r of rows) {
    const heap = r.heapUsed === null ? '' : `   V8 heap ${fmt(r.heapUsed / MB)} MB used of ${fmt((r.heapTotal ?? 0) / MB)} MB`;
    console.log(`      ${r.name.padEnd(28)} ${fmt(r.rss / MB).padStart(4)} MB  (anonymous ${fmt(r.anon / MB)}, file-backed ${fmt(r.file / MB)})${heap}`);
  }
  return total;
}

/** A bare Node process's resident memory: what each process pays before any code of ours. */
async function bareNode(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1_000));
  const rss = rollup(child.pid!).Rss ?? 0;
  child.kill();
  return rss;
}

const settle = () => new Promise((r) => setTimeout(r, 10_000));

/** `npm start` with RUNSTREAM_PROCESSES=`mode`: idle after start, then idle after `runs` runs. */
async function footprintOf(mode: 'one' | 'each', runs: number): Promise<void> {
  const nats = await NatsServer.start();
  const db = await TestDatabase.create();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-footprint-'));
  const ports: Record<string, string> = {};
  for (const name of ['gateway', 'run-service', 'stream-service', 'artifact-service', 'reference-agent']) ports[name] = String(await freePort());
  // In one process the launcher is the four services: its heap is what their /metrics report.
  ports[LAUNCHER] = mode === 'one' ? (ports.gateway as string) : '';
  const launcher = spawn(process.execPath, [join(REPO_ROOT, 'dist/tools/start.js')], {
    env: {
      ...process.env,
      RUNSTREAM_PROCESSES: mode,
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      RUNSTREAM_DATA_DIR: dataDir,
      PORT: ports.gateway,
      RUN_SERVICE_HEALTH_PORT: ports['run-service'],
      STREAM_SERVICE_PORT: ports['stream-service'],
      ARTIFACT_SERVICE_PORT: ports['artifact-service'],
      REFERENCE_AGENT_HEALTH_PORT: ports['reference-agent'],
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let launcherLog = '';
  launcher.stderr?.on('data', (chunk: Buffer) => (launcherLog += chunk.toString()));
  const label = mode === 'one' ? 'RUNSTREAM_PROCESSES=one (the default: the four services in the launcher)' : 'RUNSTREAM_PROCESSES=each (a process per service, as before)';
  try {
    await waitFor('npm start up', async () => {
      if (launcher.exitCode !== null) throw new Error(`start.js exited: ${launcherLog}`);
      return launcherLog.includes('up: API on');
    }, 120_000, 200);
    console.log(`  npm start, ${label}`);
    await settle();
    print('idle after start', await measure(launcher.pid!, ports));

    const base = `http://127.0.0.1:${ports.gateway}`;
    const token = await BenchSystem.tokenFor('usr_footprint', 'workflow:run');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, any>;
    };
    const started = performance.now();
    const tripId = (await call('POST', '/v1/threads', { title: 'footprint' })).thread.id as number;
    await pipelined(runs, 20, async () => {
      const id = (await call('POST', '/v1/agent-runs', { tripId, agent: 'trip-planner', triggerMessage: '3 days in Lisbon' })).run.id as string;
      await call('POST', `/v1/agent-runs/${id}/control`, { action: 'start' });
    });
    const done = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status = 'completed'`))[0]?.n ?? 0;
    await waitFor(`${runs} runs completed`, async () => (await done()) >= runs, 900_000, 1_000);
    console.log(`    ${fmt(runs)} reference-agent runs completed in ${fmt((performance.now() - started) / 1000, 1)} s`);
    await settle();
    print(`idle after ${fmt(runs)} runs`, await measure(launcher.pid!, ports));
  } finally {
    launcher.kill('SIGTERM');
    await new Promise((r) => (launcher.exitCode !== null ? r(null) : launcher.once('exit', r)));
    rmSync(dataDir, { recursive: true, force: true });
    await nats.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const RUNS = argInt('runs', 1_000);
  console.log(`bench:footprint  ${machine()}`);
  console.log(`  baseline, a bare Node process: ${fmt((await bareNode()) / MB)} MB`);
  await footprintOf('each', RUNS);
  await footprintOf('one', RUNS);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
