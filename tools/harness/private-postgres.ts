import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';
import { killChild } from './processes';

/** Debian's PostgreSQL binaries (PG_BIN_DIR overrides). */
const binDir = (): string => {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return join('/usr/lib/postgresql', versions[0] as string, 'bin');
};

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
const owner = (): { uid: number; gid: number } | null => {
  if (process.getuid?.() !== 0) return null;
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString().trim()));
  return { uid: uid as number, gid: gid as number };
};

/**
 * A PostgreSQL server of a test's own, on a free port with its own data directory, so a test can
 * kill -9 and restart it (the machine's shared server is never touched).
 */
export class PrivatePostgres {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'runstream-pg-'));
    const server = new PrivatePostgres(await freePort(), join(dir, 'data'));
    const user = owner();
    if (user) chownSync(dir, user.uid, user.gid);
    execFileSync(join(binDir(), 'initdb'), ['-D', server.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], {
      stdio: 'ignore',
      ...(user ?? {}),
    });
    try {
      await server.spawn();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Starts the postmaster; started right after a kill -9 it may exit (orphaned backends still hold shared memory): it is started again. */
  async spawn(): Promise<void> {
    const user = owner();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const child = spawn(
        join(binDir(), 'postgres'),
        ['-D', this.dataDir, '-p', String(this.port), '-k', this.dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
        { stdio: 'ignore', ...(user ?? {}) },
      );
      this.child = child;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
        if (await this.accepts()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`postgres on ${this.port} did not start (data: ${this.dataDir})`);
  }

  /** kill -9 of the postmaster, as a crash would (its backends exit when they notice). */
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
    rmSync(join(this.dataDir, '..'), { recursive: true, force: true });
  }

  private async accepts(): Promise<boolean> {
    const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
