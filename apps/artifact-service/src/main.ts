import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { PinoNestLogger, createLogger, runService } from '#platform';
import { ArtifactServiceModule } from './app.module';
import { loadArtifactServiceConfig } from './config';

const logger = createLogger('artifact-service');

void runService('artifact-service', logger, async () => {
  const config = loadArtifactServiceConfig();
  const app = await NestFactory.create(ArtifactServiceModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'artifact-service listening');
  return app;
});
