import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoreModule, HealthModule, MetricsModule, NatsModule } from '#platform';
import type { ArtifactServiceConfig } from './config';

/** artifact bytes in the JetStream Object Store, metadata in Postgres (issue 4). For now: process, configuration, NATS connection and health. */
@Module({})
export class ArtifactServiceModule {
  static register(config: ArtifactServiceConfig, logger: Logger): DynamicModule {
    return {
      module: ArtifactServiceModule,
      imports: [
        CoreModule.register(config, logger),
        NatsModule.forRoot({ servers: config.NATS_URL, name: 'artifact-service', replicas: config.STREAM_REPLICAS }),
        HealthModule.register({ database: false }),
        MetricsModule,
      ],
    };
  }
}
