import type { Logger } from 'pino';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { migrate } from '#persistence';
import { PinoNestLogger } from '#platform';
import { RunServiceModule } from './app.module';
import { loadRunServiceConfig } from './config';

/** Starts the run-service with its configuration from `env` (its own process, or `npm start`'s one process). */
export async function startRunService(env: NodeJS.ProcessEnv, logger: Logger) {
  const config = loadRunServiceConfig(env);
  const app = await NestFactory.create(RunServiceModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  await migrate(app.get(DataSource));
  // HTTP here is operational only (health); the run-service's API is NATS.
  await app.listen(config.HEALTH_PORT);
  logger.info({ port: config.HEALTH_PORT }, 'run-service started');
  return app;
}
