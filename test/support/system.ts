import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ApiClient } from './api-client';
import { TestDatabase, NatsServer, PrivatePostgres, ServiceProcess, type ServiceName, waitFor } from '../../tools/harness';
import { TEST_JWT_SECRET, tokenFor } from './tokens';

export interface SystemOptions {
  runServices?: number;
  /** stream-service replicas (default 1; the gateway proxies SSE to the first). */
  streamServices?: number;
  streamServiceEnv?: Record<string, string>;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  runServiceEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  gateway?: boolean;
  /** reference-agent worker processes (default 1). */
  workers?: number;
  workerEnv?: Record<string, string>;
  /** artifact-service replicas (default 1; the gateway proxies artifact routes to the first). */
  artifactServices?: number;
  artifactServiceEnv?: Record<string, string>;
  /** A PostgreSQL server of this system's own (to kill and restart), instead of the machine's. */
  ownPostgres?: boolean;
}

/**
 * A whole Runstream on private infrastructure: its own nats-server (free port, own store) and its
 * own Postgres database, with the built services as real processes.
 */
export class TestSystem {
  readonly runServices: ServiceProcess[] = [];
  readonly streamServices: ServiceProcess[] = [];
  readonly workers: ServiceProcess[] = [];
  readonly artifactServices: ServiceProcess[] = [];
  gateway: ServiceProcess | null = null;
  nc!: NatsConnection;
  js!: JetStreamClient;
  jsm!: JetStreamManager;

  private constructor(
    readonly nats: NatsServer,
    readonly db: TestDatabase,
    readonly options: SystemOptions,
    /** Set with `ownPostgres`. */
    readonly postgres: PrivatePostgres | null,
  ) {}

  static async start(options: SystemOptions = {}): Promise<TestSystem> {
    const postgres = options.ownPostgres ? await PrivatePostgres.start() : null;
    let system: TestSystem;
    try {
      system = new TestSystem(await NatsServer.start(), await TestDatabase.create(postgres?.url()), options, postgres);
    } catch (error) {
      await postgres?.stop();
      throw error;
    }
    try {
      for (let i = 0; i < (options.runServices ?? 1); i++) await system.startRunService();
      for (let i = 0; i < (options.streamServices ?? 1); i++) await system.startStreamService();
      for (let i = 0; i < (options.artifactServices ?? 1); i++) await system.startArtifactService();
      if (options.gateway !== false) await system.startGateway();
      for (let i = 0; i < (options.workers ?? 1); i++) await system.startWorker();
      system.nc = await connect({ servers: system.nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      system.js = jetstream(system.nc);
      system.jsm = await jetstreamManager(system.nc);
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  get baseEnv(): Record<string, string> {
    return {
      NATS_URL: this.nats.url,
      DATABASE_URL: this.db.url,
      JWT_SECRET: TEST_JWT_SECRET,
      ...this.options.env,
    };
  }

  async startRunService(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await ServiceProcess.start('run-service', { ...this.baseEnv, ...this.options.runServiceEnv, ...env });
    this.runServices.push(service);
    return service;
  }

  async startGateway(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const stream = this.streamServices[0];
    this.gateway = await ServiceProcess.start('gateway', {
      ...this.baseEnv,
      ...(stream ? { STREAM_SERVICE_URL: stream.url } : {}),
      ...(this.artifactServices[0] ? { ARTIFACT_SERVICE_URL: this.artifactServices[0].url } : {}),
      ...this.options.gatewayEnv,
      ...env,
    });
    return this.gateway;
  }

  async startStreamService(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await ServiceProcess.start('stream-service', { ...this.baseEnv, ...this.options.streamServiceEnv, ...env });
    this.streamServices.push(service);
    return service;
  }

  async startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const worker = await ServiceProcess.start('reference-agent', {
      ...this.baseEnv,
      TRIP_PLANNER_STEP_MS: '100',
      WORKER_LEASE_RENEW_MS: '500',
      ...this.options.workerEnv,
      ...env,
    });
    this.workers.push(worker);
    return worker;
  }

  async startArtifactService(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = await ServiceProcess.start('artifact-service', { ...this.baseEnv, ...this.options.artifactServiceEnv, ...env });
    this.artifactServices.push(service);
    return service;
  }

  async startService(name: ServiceName, env: Record<string, string> = {}): Promise<ServiceProcess> {
    return ServiceProcess.start(name, { ...this.baseEnv, ...env });
  }

  /** An API client for a user (bearer by default). */
  api(user?: string, via: 'bearer' | 'cookie' = 'bearer', org = 'org_test'): ApiClient {
    if (!this.gateway) throw new Error('no gateway');
    return new ApiClient(this.gateway.url, user ? tokenFor(user, org) : undefined, via);
  }

  /** Creates a thread for `user` and returns its id. */
  async thread(user: string, title = 'Trip'): Promise<number> {
    const res = await this.api(user).post('/v1/threads', { title });
    if (res.status !== 201) throw new Error(`thread create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.thread.id as number;
  }

  /** Polls a run until its status satisfies `done`. */
  async waitForRun(user: string, runId: string, done: (status: string) => boolean, timeoutMs = 20_000) {
    return waitFor(
      `run ${runId}`,
      async () => {
        const res = await this.api(user).get(`/v1/agent-runs/${runId}`);
        return res.status === 200 && done(res.body.run.status) ? res.body.run : null;
      },
      timeoutMs,
      100,
    );
  }

  async stop(): Promise<void> {
    await this.nc?.close().catch(() => undefined);
    await Promise.allSettled([
      this.gateway?.stop(),
      ...this.runServices.map((s) => s.stop()),
      ...this.streamServices.map((s) => s.stop()),
      ...this.workers.map((s) => s.stop()),
      ...this.artifactServices.map((s) => s.stop()),
    ]);
    await this.nats.stop().catch(() => undefined);
    if (this.postgres) await this.postgres.stop();
    else await this.db.drop().catch(() => undefined);
  }
}
