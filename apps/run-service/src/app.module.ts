import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { ServiceModule } from '#platform';
import { CommandConsumer } from './commands/command-consumer';
import { CommandHandlers } from './commands/command-handlers';
import type { RunServiceConfig } from './config';
import { ProjectionFaults } from './projector/projection-faults';
import { ProjectionWriter } from './projector/projection-writer';
import { ProjectorService } from './projector/projector.service';
import { DispatcherService } from './dispatch/dispatcher.service';
import { agentsBucketProvider } from './dispatch/agents-bucket';
import { leaseBucketProvider } from './dispatch/lease-bucket';
import { RunEventReactions } from './dispatch/run-event-reactions';
import { ConversationRecorder } from './conversations/conversation-recorder.service';
import { LeaseMonitorService } from './dispatch/lease-monitor.service';

@Module({})
export class RunServiceModule {
  static register(config: RunServiceConfig, logger: Logger): DynamicModule {
    const providers: Provider[] = [CommandHandlers, CommandConsumer, leaseBucketProvider, agentsBucketProvider];
    if (config.PROJECTOR_ENABLED) providers.push(ProjectionWriter, ProjectionFaults, ProjectorService);
    if (config.DISPATCHER_ENABLED) providers.push(RunEventReactions, DispatcherService, LeaseMonitorService, ConversationRecorder);
    return {
      module: RunServiceModule,
      imports: [
        ServiceModule.register({ name: 'run-service', config, logger, database: 'reported' }),
      ],
      providers,
    };
  }
}
