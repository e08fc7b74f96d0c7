import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, createLogger, runService } from '#platform';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { configureHttp } from './http/configure-http';

const logger = createLogger('gateway');

void runService('gateway', logger, async () => {
  const config = loadGatewayConfig();
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  configureHttp(
    app,
    { bodyLimitBytes: config.BODY_LIMIT_BYTES, streamServiceUrl: config.STREAM_SERVICE_URL, artifactServiceUrl: config.ARTIFACT_SERVICE_URL },
    logger,
  );
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'gateway listening');
  return app;
});
