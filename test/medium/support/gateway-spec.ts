import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { KV_BUCKETS, type AgentRegistration } from '#contracts';
import { encodeJson } from '#messaging';
import { migrate, readModelOptions } from '#persistence';
import { CommandBus, createLogger } from '#platform';
import { GatewayModule } from '../../../apps/gateway/src/app.module';
import { loadGatewayConfig } from '../../../apps/gateway/src/config';
import { configureHttp } from '../../../apps/gateway/src/http/configure-http';
import { NatsServer, TestDatabase } from '../../../tools/harness';
import { ApiClient } from '../../support/api-client';
import { TEST_JWT_SECRET, signToken } from '../../support/tokens';
import { InProcessCommandBus } from './in-process-bus';

/**
 * The gateway's Nest module booted in this process, with a fake command bus (InProcessCommandBus)
 * over a private nats-server (idempotency, counters, the agents registry, API keys) and a private
 * migrated Postgres read model. Specs give events, make a request, and look at the commands sent
 * and the body answered: seconds, not a fleet of processes.
 */
export class GatewaySpec {
  readonly bus = new InProcessCommandBus();
  private app!: INestApplication;
  private nc!: NatsConnection;
  private dataSource!: DataSource;
  url = '';

  private constructor(
    private readonly nats: NatsServer,
    private readonly db: TestDatabase,
  ) {}

  static async start(): Promise<GatewaySpec> {
    const spec = new GatewaySpec(await NatsServer.start(), await TestDatabase.create());
    try {
      await spec.boot();
    } catch (error) {
      await spec.stop();
      throw error;
    }
    return spec;
  }

  private async boot(): Promise<void> {
    this.dataSource = await new DataSource(readModelOptions(this.db.url, 2)).initialize();
    await migrate(this.dataSource);
    this.bus.attach(this.dataSource);
    const config = loadGatewayConfig({ NATS_URL: this.nats.url, DATABASE_URL: this.db.url, JWT_SECRET: TEST_JWT_SECRET, PROJECTION_WAIT_MS: '200', LOG_LEVEL: 'silent' });
    const logger = createLogger('gateway-spec', 'silent');
    const moduleRef = await Test.createTestingModule({ imports: [GatewayModule.register(config, logger)] })
      .overrideProvider(CommandBus)
      .useValue(this.bus)
      .compile();
    this.app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
    configureHttp(this.app, { bodyLimitBytes: config.BODY_LIMIT_BYTES, bodyReadTimeoutMs: config.BODY_READ_TIMEOUT_MS, streamServiceUrl: 'http://127.0.0.1:9', artifactServiceUrl: 'http://127.0.0.1:9' }, logger);
    await this.app.listen(0, '127.0.0.1');
    const address = this.app.getHttpServer().address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
    this.nc = await connect({ servers: this.nats.url });
  }

  /** A worker's announcement of an agent version (what `interaction@version` resolves against). */
  async registerAgent(registration: Partial<AgentRegistration> & { name: string; version: string }): Promise<void> {
    const kv = await new Kvm(this.nc).create(KV_BUCKETS.agents, { history: 1 });
    const full: AgentRegistration = { description: null, tools: [], model: null, environment: null, phases: [], registeredAt: new Date().toISOString(), ...registration };
    await kv.put(`${full.name}.${full.version}`, encodeJson(full));
  }

  /** An API client acting as a user (claims: org, project, scope default `workflow:run`). */
  as(sub: string, claims: Record<string, unknown> = {}): ApiClient {
    return new ApiClient(this.url, signToken({ sub, org: 'org_1', scope: 'workflow:run', ...claims }));
  }

  async stop(): Promise<void> {
    await this.app?.close().catch(() => undefined);
    await this.nc?.close().catch(() => undefined);
    await this.dataSource?.destroy().catch(() => undefined);
    await this.nats.stop().catch(() => undefined);
    await this.db.drop().catch(() => undefined);
  }
}
