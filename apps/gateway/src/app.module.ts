import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Logger } from 'pino';
import {
  ApiExceptionFilter,
  CommandBus,
  IdempotencyInterceptor,
  IdempotencyStore,
  ProjectionWaiter,
  ServiceModule,
  authProviders,
} from '#platform';
import { AuthGuard } from './auth/auth.guard';
import type { GatewayConfig } from './config';
import { TravelmodeRunsController } from './dialects/travelmode/agent-runs.controller';
import { ThreadsController } from './dialects/travelmode/threads.controller';
import { ApiKeysController } from './dialects/travelmode/api-keys.controller';
import { RunsController } from './dialects/thread-runs/runs.controller';
import { ThreadRunsController } from './dialects/thread-runs/thread-runs.controller';
import { AgentsController, InteractionsController } from './dialects/vertesia/agents.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { RunReadModel } from './read-model/run-read-model';
import { ThreadReadModel } from './read-model/thread-read-model';
import { RunInteractionsService } from './runs/run-interactions.service';
import { AgentCatalog } from './agents/agent-catalog';
import { RunsService } from './runs/runs.service';
import { ThreadIds } from './threads/thread-ids';
import { ThreadsService } from './threads/threads.service';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ServiceModule.register({ name: 'gateway', config, logger, database: 'reported' }),
      ],
      controllers: [TravelmodeRunsController, ThreadsController, ApiKeysController, ThreadRunsController, RunsController, AgentsController, InteractionsController],
      providers: [
        ...authProviders(config),
        CommandBus,
        IdempotencyStore,
        ProjectionWaiter,
        RunReadModel,
        ThreadReadModel,
        AgentCatalog,
        ApiKeysService,
        RunsService,
        RunInteractionsService,
        ThreadsService,
        ThreadIds,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
