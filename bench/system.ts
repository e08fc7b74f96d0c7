import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RunReporter } from '../libs/agent-sdk/src';
import { SUBJECTS } from '../libs/contracts/src';
import { CommandClient, EventStore } from '../libs/messaging/src';
import { DEV_JWT_SECRET } from '../libs/platform/src/config';
import { NatsServer, ServiceProcess, TestDatabase, waitFor, type ServiceName } from '../tools/harness';
import { pipelined } from './support';

/** Private nats-server and database plus chosen services, for the streaming benchmarks. */
export class BenchSystem {
  readonly services = new Map<ServiceName, ServiceProcess>();
  nc!: NatsConnection;
  js!: JetStreamClient;
  jsm!: JetStreamManager;
  commands!: CommandClient;
  reporter!: RunReporter;

  private constructor(
    readonly nats: NatsServer,
    readonly db: TestDatabase,
  ) {}

  static async start(services: ServiceName[], env: Record<string, string> = {}): Promise<BenchSystem> {
    const system = new BenchSystem(await NatsServer.start(), await TestDatabase.create());
    for (const name of services)
      system.services.set(
        name,
        await ServiceProcess.start(name, {
          NATS_URL: system.nats.url,
          DATABASE_URL: system.db.url,
          LOG_LEVEL: 'warn',
          // A benchmark is one principal going as fast as it can: the per-principal rate limit would measure itself.
          RATE_LIMIT_REQUESTS: '0',
          ...env,
        }),
      );
    system.nc = await connect({ servers: system.nats.url, noAsyncTraces: true });
    system.js = jetstream(system.nc);
    system.jsm = await jetstreamManager(system.nc);
    system.commands = new CommandClient(system.nc, 60_000);
    system.commands.start();
    system.reporter = new RunReporter(new EventStore(system.nc, system.js, system.jsm), { cacheSize: 100_000 });
    return system;
  }

  service(name: ServiceName): ServiceProcess {
    const s = this.services.get(name);
    if (!s) throw new Error(`${name} not started`);
    return s;
  }

  /** A development-secret JWT for `user` in org_bench, valid 2 h. */
  static tokenFor(user: string, scope?: string): Promise<string> {
    return new SignJWT({ org: 'org_bench', ...(scope ? { scope } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user)
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(DEV_JWT_SECRET));
  }

  static cookieFor(user: string, scope?: string): Promise<string> {
    return BenchSystem.tokenFor(user, scope).then((token) => `session_token=${token}`);
  }

  /** Started runs owned by `user`, visible in the read model. */
  async startedRuns(user: string, count: number): Promise<string[]> {
    const actor = { kind: 'user' as const, id: user, scopes: ['workflow:run'] };
    const meta = () => ({ commandId: randomUUID(), correlationId: randomUUID(), actor });
    await this.commands.send(SUBJECTS.threadCommands(1), { type: 'CreateThread', data: { threadId: 1 }, metadata: meta() });
    const ids = Array.from({ length: count }, () => randomUUID());
    await pipelined(count, 50, (i) =>
      this.commands.send(SUBJECTS.runCommands(ids[i] as string), {
        type: 'CreateRun',
        data: { runId: ids[i], threadId: 1, triggerMessage: 'bench', autoStart: true },
        metadata: meta(),
      }),
    );
    await this.projected(`SELECT count(*)::int AS n FROM runs WHERE user_id = '${user}'`, count);
    return ids;
  }

  async projected(sql: string, atLeast: number): Promise<void> {
    await waitFor('read model', async () => ((await this.db.query<{ n: number }>(sql))[0]?.n ?? 0) >= atLeast, 600_000, 100);
  }

  /** Resident memory of a service process, from /proc. */
  rssBytes(name: ServiceName): number {
    const pid = this.service(name).pid;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  async stop(): Promise<void> {
    await this.commands.stop().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
    for (const s of this.services.values()) await s.stop();
    await this.nats.stop();
    await this.db.drop();
  }
}
