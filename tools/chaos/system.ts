import { createHmac } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { STREAMS } from '../../libs/contracts/src';
import { NatsCluster, NatsServer, PrivatePostgres, ServiceProcess, TestDatabase, type ServiceName } from '../harness';

const SECRET = 'runstream-chaos-secret';
const b64url = (value: string) => Buffer.from(value).toString('base64url');

/** An HS256 token for `user`, valid for an hour. */
export function chaosToken(user: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: user, org: 'org_chaos', scope: 'workflow:run', iat: now, exp: now + 3_600 }));
  return `${header}.${payload}.${createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')}`;
}

/**
 * Every Runstream process on private infrastructure the chaos run owns and can kill: its own
 * nats-server, its own PostgreSQL server, one of each service, two chaos workers.
 */
export class ChaosSystem {
  readonly services = new Map<string, ServiceProcess>();

  private constructor(
    readonly nats: NatsServer | NatsCluster,
    readonly postgres: PrivatePostgres,
    readonly db: TestDatabase,
  ) {}

  /** `cluster`: a 3-node JetStream cluster with R3 streams instead of one nats-server. */
  static async start(options: { events: number; pauseMs?: number; workers?: number; cluster?: boolean }): Promise<ChaosSystem> {
    const postgres = await PrivatePostgres.start();
    let nats: NatsServer | NatsCluster | null = null;
    let system: ChaosSystem | null = null;
    try {
      nats = options.cluster ? await NatsCluster.start() : await NatsServer.start();
      system = new ChaosSystem(nats, postgres, await TestDatabase.create(postgres.url()));
      const run = await system.add('run-service', 'run-service', { LEASE_TIMEOUT_MS: '3000', LEASE_CHECK_INTERVAL_MS: '250', MAX_REDISPATCHES: '3' });
      const stream = await system.add('stream-service', 'stream-service', {});
      const artifacts = await system.add('artifact-service', 'artifact-service', {});
      await system.add('gateway', 'gateway', { STREAM_SERVICE_URL: stream.url, ARTIFACT_SERVICE_URL: artifacts.url });
      for (let i = 0; i < (options.workers ?? 2); i++)
        await system.add(`worker-${i + 1}`, 'chaos-worker', { CHAOS_EVENTS: String(options.events), CHAOS_PAUSE_MS: String(options.pauseMs ?? 5), WORKER_LEASE_RENEW_MS: '500' });
      void run;
      return system;
    } catch (error) {
      await system?.stop();
      if (!system) {
        await nats?.stop();
        await postgres.stop();
      }
      throw error;
    }
  }

  get env(): Record<string, string> {
    return {
      NATS_URL: this.nats.url,
      DATABASE_URL: this.db.url,
      JWT_SECRET: SECRET,
      DEFAULT_AGENT: 'chaos',
      STREAM_REPLICAS: this.nats instanceof NatsCluster ? '3' : '1',
      LOG_LEVEL: 'warn',
      // Hundreds of clients share one user: the chaos run is not about the rate limit.
      RATE_LIMIT_REQUESTS: '0',
      SSE_MAX_STREAMS_PER_PRINCIPAL: '0',
    };
  }

  service(label: string): ServiceProcess {
    const found = this.services.get(label);
    if (!found) throw new Error(`no ${label}`);
    return found;
  }

  get gatewayUrl(): string {
    return this.service('gateway').url;
  }

  private admin: NatsConnection | null = null;

  /** The server name of the RUN_EVENTS stream's leader (a cluster's); asked on one lasting connection. */
  async eventsLeader(): Promise<string> {
    this.admin ??= await connect({ servers: this.nats.url.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const info = await (await jetstreamManager(this.admin, { timeout: 1_000 })).streams.info(STREAMS.events);
    if (!info.cluster?.leader) throw new Error('RUN_EVENTS has no leader');
    return info.cluster.leader;
  }

  private async add(label: string, name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(name, { ...this.env, ...env });
    this.services.set(label, service);
    return service;
  }

  async stop(): Promise<void> {
    await this.admin?.close().catch(() => undefined);
    for (const service of [...this.services.values()].reverse()) await service.stop().catch(() => undefined);
    await this.db.drop().catch(() => undefined);
    await this.nats.stop().catch(() => undefined);
    await this.postgres.stop().catch(() => undefined);
  }
}
