import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { PinoNestLogger, answerClientErrorsInJson, createLogger, runService } from '#platform';
import { StreamServiceModule } from './app.module';
import { loadStreamServiceConfig } from './config';

const logger = createLogger('stream-service');

void runService('stream-service', logger, async () => {
  const config = loadStreamServiceConfig();
  const app = await NestFactory.create(StreamServiceModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  answerClientErrorsInJson(app.getHttpServer() as Server);
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'stream-service listening');
  return app;
});
