import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceModule } from '#platform';
import type { ArtifactServiceConfig } from './config';

/** artifact bytes in the JetStream Object Store, metadata in Postgres (issue 4). For now: process, configuration, NATS connection and health. */
@Module({})
export class ArtifactServiceModule {
  static register(config: ArtifactServiceConfig, logger: Logger): DynamicModule {
    return {
      module: ArtifactServiceModule,
      imports: [
        ServiceModule.register({ name: 'artifact-service', config, logger, database: false }),
      ],
    };
  }
}
