import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceModule, TokenVerifier } from '#platform';
import type { StreamServiceConfig } from './config';
import { RunFeeds } from './run-feeds';
import { RunHistory } from './run-history';
import { SseSessions } from './sse-sessions';
import { TravelmodeStreamController } from './dialects/travelmode-stream.controller';
import { RunStreams } from './run-streams';

/** SSE: replays a run's event subject from a sequence, then live. Stateless: any number of replicas. */
@Module({})
export class StreamServiceModule {
  static register(config: StreamServiceConfig, logger: Logger): DynamicModule {
    return {
      module: StreamServiceModule,
      imports: [
        ServiceModule.register({ name: 'stream-service', config, logger, database: true }),
      ],
      controllers: [TravelmodeStreamController],
      providers: [{ provide: TokenVerifier, useValue: new TokenVerifier(config) }, RunHistory, RunFeeds, SseSessions, RunStreams],
    };
  }
}
