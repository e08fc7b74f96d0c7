import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { readModelOptions } from '#persistence';
import { CoreModule, HealthModule, MetricsModule, NatsModule, TokenVerifier } from '#platform';
import type { StreamServiceConfig } from './config';
import { RunFeeds } from './run-feeds';
import { RunHistory } from './run-history';
import { SseSessions } from './sse-sessions';
import { TravelmodeStreamController } from './stream.controller';

/** SSE: replays a run's event subject from a sequence, then live. Stateless: any number of replicas. */
@Module({})
export class StreamServiceModule {
  static register(config: StreamServiceConfig, logger: Logger): DynamicModule {
    return {
      module: StreamServiceModule,
      imports: [
        CoreModule.register(config, logger),
        NatsModule.forRoot({ servers: config.NATS_URL, name: 'stream-service', replicas: config.STREAM_REPLICAS }),
        TypeOrmModule.forRoot(readModelOptions(config.DATABASE_URL)),
        HealthModule.register({ database: true }),
        MetricsModule,
      ],
      controllers: [TravelmodeStreamController],
      providers: [{ provide: TokenVerifier, useValue: new TokenVerifier(config) }, RunHistory, RunFeeds, SseSessions],
    };
  }
}
