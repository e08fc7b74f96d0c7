import { Controller, Get, Inject, Module, SetMetadata, type DynamicModule } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
  TypeOrmHealthIndicator,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, PUBLIC_ROUTE } from '../tokens';

export interface HealthOptions {
  database: 'required' | 'reported' | false;
}
const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

/** Liveness says the process runs; readiness says its NATS connection (and, where required, its database) answer. */
@Controller('health')
@SetMetadata(PUBLIC_ROUTE, true)
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly typeorm: TypeOrmHealthIndicator,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [
      () =>
        this.indicators
          .check('nats')
          .attempt(async () => {
            if (this.nc.isClosed() || this.nc.isDraining()) throw new Error('connection closed');
            await this.nc.flush();
            return { server: this.nc.getServer() };
          })
          .withTimeout(1500),
    ];
    if (this.options.database === 'required') checks.push(() => this.typeorm.pingCheck('database').withTimeout(1500));
    if (this.options.database === 'reported')
      checks.push(async () => {
        const reachable = await Promise.resolve(this.typeorm.pingCheck('database', { timeout: 1500 })).then(
          () => true,
          () => false,
        );
        return this.indicators.check('database').up({ reachable });
      });
    return this.health.check(checks);
  }
}

@Module({})
export class HealthModule {
  static register(options: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }],
    };
  }
}
