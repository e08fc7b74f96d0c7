import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from './ports';

/** The repository root, from source (tools/harness) or from its build (dist/tools/harness). */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, '.tsbuildinfo'))) dir = dirname(dir);
  return dir;
})();
export const LOG_DIR = process.env.RUNSTREAM_LOG_DIR ?? join(REPO_ROOT, 'test-logs');

export type ServiceName = 'gateway' | 'run-service' | 'stream-service' | 'artifact-service' | 'reference-agent' | 'chaos-worker';

/** Processes that are not apps: their script under dist/. */
const SCRIPT: Partial<Record<ServiceName, string>> = { 'chaos-worker': 'tools/chaos/chaos-worker.js' };

const PORT_VARIABLE: Record<ServiceName, string> = {
  gateway: 'PORT',
  'run-service': 'HEALTH_PORT',
  'stream-service': 'PORT',
  'artifact-service': 'PORT',
  'reference-agent': 'HEALTH_PORT',
  'chaos-worker': 'HEALTH_PORT',
};

let counter = 0;

/** One built service (dist/) as a real child process; its JSON log goes to test-logs/. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  readonly logFile: string;
  exitCode: number | null = null;

  private constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    mkdirSync(LOG_DIR, { recursive: true });
    this.logFile = join(LOG_DIR, `${process.pid}-${++counter}-${name}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The OS process id while running (for reading its memory from /proc). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
    const service = new ServiceProcess(name, await freePort(), env);
    try {
      await service.spawn();
    } catch (error) {
      await service.kill();
      throw error;
    }
    return service;
  }

  async spawn(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.exitCode = null;
    // RUNSTREAM_NODE_ARGS: extra node flags for the services (e.g. --cpu-prof when profiling a benchmark);
    // in a service's own env it applies to that one process only.
    const nodeArgs = (this.env.RUNSTREAM_NODE_ARGS ?? process.env.RUNSTREAM_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'dist', SCRIPT[this.name] ?? `apps/${this.name}/src/main.js`)], {
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env, [PORT_VARIABLE[this.name]]: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => (this.exitCode = code ?? (signal ? 128 : 0)));
    this.child = child;
    await waitFor(`${this.name} ready (log: ${this.logFile})`, async () => {
      if (this.exitCode !== null) throw new Error(`${this.name} exited with ${this.exitCode}`);
      const res = await fetch(`${this.url}/health/ready`);
      return res.ok;
    }, 30_000);
  }

  /** kill -9: no shutdown hooks, no acks, no drain. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Graceful: SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}
