import type { Logger } from 'pino';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import { PinoNestLogger, answerClientErrorsInJson } from '#platform';
import { StreamServiceModule } from './app.module';
import { loadStreamServiceConfig } from './config';

/** Starts the stream-service with its configuration from `env` (its own process, or `npm start`'s one process). */
export async function startStreamService(env: NodeJS.ProcessEnv, logger: Logger) {
  const config = loadStreamServiceConfig(env);
  const app = await NestFactory.create(StreamServiceModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  answerClientErrorsInJson(app.getHttpServer() as Server);
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'stream-service listening');
  return app;
}
