import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { readModelOptions } from '#persistence';
import { CoreModule, HealthModule, MetricsModule, NatsModule } from '#platform';
import { CommandConsumer } from './commands/command-consumer';
import { CommandHandlers } from './commands/command-handlers';
import type { RunServiceConfig } from './config';
import { ProjectionWriter } from './projector/projection-writer';
import { ProjectorService } from './projector/projector.service';
import { ReferenceAgentService } from './reference-agent/reference-agent.service';

@Module({})
export class RunServiceModule {
  static register(config: RunServiceConfig, logger: Logger): DynamicModule {
    const providers: Provider[] = [CommandHandlers, CommandConsumer];
    if (config.PROJECTOR_ENABLED) providers.push(ProjectionWriter, ProjectorService);
    if (config.REFERENCE_AGENT_ENABLED) providers.push(ReferenceAgentService);
    return {
      module: RunServiceModule,
      imports: [
        CoreModule.register(config, logger),
        NatsModule.forRoot({ servers: config.NATS_URL, name: 'run-service', replicas: config.STREAM_REPLICAS }),
        TypeOrmModule.forRoot(readModelOptions(config.DATABASE_URL)),
        HealthModule.register({ database: true }),
        MetricsModule,
      ],
      providers,
    };
  }
}
