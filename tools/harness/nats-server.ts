import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports';
import { canConnect, killChild } from './processes';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

/** A private nats-server with JetStream on a free port and its own store directory. */
export class NatsServer {
  private child: ChildProcess | null = null;

  /** The server process's pid (CPU accounting in benchmarks); null while it is down. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'runstream-nats-')));
    await server.spawn();
    return server;
  }

  private async spawn(): Promise<void> {
    this.child = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: 'ignore',
    });
    await waitFor(`nats-server on ${this.port}`, () => canConnect(this.port));
  }

  /** kill -9, as a crash would. The store directory survives for a restart. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    await killChild(child);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
