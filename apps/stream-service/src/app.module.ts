import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, ProjectionWaiter, ServiceModule, StreamQuota, authProviders } from '#platform';
import type { StreamServiceConfig } from './config';
import { RunFeeds } from './run-feeds';
import { RunHistory } from './run-history';
import { SseSessions } from './sse-sessions';
import { ThreadRunsStreamController } from './dialects/thread-runs-stream.controller';
import { TravelmodeStreamController } from './dialects/travelmode-stream.controller';
import { VertesiaStreamController } from './dialects/vertesia-stream.controller';
import { RunStreams } from './run-streams';

/** SSE: replays a run's event subject from a sequence, then live. Stateless: any number of replicas. */
@Module({})
export class StreamServiceModule {
  static register(config: StreamServiceConfig, logger: Logger): DynamicModule {
    return {
      module: StreamServiceModule,
      imports: [
        ServiceModule.register({ name: 'stream-service', config, logger, database: 'reported' }),
      ],
      controllers: [TravelmodeStreamController, ThreadRunsStreamController, VertesiaStreamController],
      providers: [...authProviders(config), RunHistory, RunFeeds, SseSessions, RunStreams, ProjectionWaiter, { provide: StreamQuota, inject: [CONFIG], useFactory: (c: StreamServiceConfig) => new StreamQuota(c) }],
    };
  }
}
