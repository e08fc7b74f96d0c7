import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { migrate } from '#persistence';
import { PinoNestLogger, createLogger, runService } from '#platform';
import { RunServiceModule } from './app.module';
import { loadRunServiceConfig } from './config';

const logger = createLogger('run-service');

void runService('run-service', logger, async () => {
  const config = loadRunServiceConfig();
  const app = await NestFactory.create(RunServiceModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  await migrate(app.get(DataSource));
  // HTTP here is operational only (health); the run-service's API is NATS.
  await app.listen(config.HEALTH_PORT);
  logger.info({ port: config.HEALTH_PORT }, 'run-service started');
  return app;
});
