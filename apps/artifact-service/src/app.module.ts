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
import { artifactIdsProvider } from './artifacts/artifact-ids';
import { ArtifactReadModel } from './artifacts/artifact-read-model';
import { FileArtifactsService } from './artifacts/file-artifacts.service';
import { FileUploadsService } from './artifacts/file-uploads.service';
import { TypedArtifactsService } from './artifacts/typed-artifacts.service';
import type { ArtifactServiceConfig } from './config';
import { ArtifactAuthGuard } from './http/auth.guard';
import { FileArtifactsController } from './http/file-artifacts.controller';
import { TypedArtifactsController } from './http/typed-artifacts.controller';
import { ArtifactStore } from './storage/artifact-store';
import { Sweeper } from './storage/sweeper';
import { TypedArtifactResponder } from './workers/typed-artifact.responder';

/** Artifact bytes in the JetStream Object Store, metadata from the Postgres read model, signed URLs. */
@Module({})
export class ArtifactServiceModule {
  static register(config: ArtifactServiceConfig, logger: Logger): DynamicModule {
    return {
      module: ArtifactServiceModule,
      imports: [ServiceModule.register({ name: 'artifact-service', config, logger, database: 'required' })],
      controllers: [FileArtifactsController, TypedArtifactsController],
      providers: [
        ...authProviders(config),
        CommandBus,
        ProjectionWaiter,
        ArtifactStore,
        artifactIdsProvider,
        ArtifactReadModel,
        FileArtifactsService,
        FileUploadsService,
        IdempotencyStore,
        TypedArtifactsService,
        TypedArtifactResponder,
        Sweeper,
        { provide: APP_GUARD, useClass: ArtifactAuthGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
