import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { readModelOptions } from '#persistence';
import { CoreModule } from './core.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics';
import { NatsModule } from './nats.module';

export interface ServiceModuleOptions {
  /** NATS connection name. */
  name: string;
  config: { NATS_URL: string; STREAM_REPLICAS: number; DATABASE_URL?: string };
  logger: Logger;
  /**
   * Connect to the read model. `required`: not ready without it (nothing works without it);
   * `reported`: readiness shows it but stays up (commands are decided from the log, so a Postgres
   * outage must not take the service out of rotation: its reads answer 503 themselves).
   */
  database: 'required' | 'reported' | false;
}

/** What every Runstream service stands on: config and logger, NATS, the read model, health, metrics. */
@Module({})
export class ServiceModule {
  static register({ name, config, logger, database }: ServiceModuleOptions): DynamicModule {
    if (database && !config.DATABASE_URL) throw new Error(`${name}: DATABASE_URL is required`);
    return {
      module: ServiceModule,
      imports: [
        CoreModule.register(config, logger),
        NatsModule.forRoot({ servers: config.NATS_URL, name, replicas: config.STREAM_REPLICAS }),
        ...(database ? [TypeOrmModule.forRoot(readModelOptions(config.DATABASE_URL as string))] : []),
        HealthModule.register({ database }),
        MetricsModule,
      ],
    };
  }
}
