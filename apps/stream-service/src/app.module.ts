import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoreModule, HealthModule, MetricsModule, NatsModule } from '#platform';
import type { StreamServiceConfig } from './config';

/** SSE: replays a run's event subject from a sequence, then live (issue 3). For now: process, configuration, NATS connection and health. */
@Module({})
export class StreamServiceModule {
  static register(config: StreamServiceConfig, logger: Logger): DynamicModule {
    return {
      module: StreamServiceModule,
      imports: [
        CoreModule.register(config, logger),
        NatsModule.forRoot({ servers: config.NATS_URL, name: 'stream-service', replicas: config.STREAM_REPLICAS }),
        HealthModule.register({ database: false }),
        MetricsModule,
      ],
    };
  }
}
