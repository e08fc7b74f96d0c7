import type { Logger } from 'pino';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { PinoNestLogger, answerClientErrorsInJson } from '#platform';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { configureHttp } from './http/configure-http';

/** Starts the gateway with its configuration from `env` (its own process, or `npm start`'s one process). */
export async function startGateway(env: NodeJS.ProcessEnv, logger: Logger) {
  const config = loadGatewayConfig(env);
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // Forwarded headers only from the proxies named: a client's own X-Forwarded-Host is not believed.
  app.set('trust proxy', config.TRUSTED_PROXIES);
  configureHttp(
    app,
    { bodyLimitBytes: config.BODY_LIMIT_BYTES, bodyReadTimeoutMs: config.BODY_READ_TIMEOUT_MS, streamServiceUrl: config.STREAM_SERVICE_URL, artifactServiceUrl: config.ARTIFACT_SERVICE_URL },
    logger,
  );
  answerClientErrorsInJson(app.getHttpServer() as Server);
  await app.listen(config.PORT);
  logger.info({ port: config.PORT }, 'gateway listening');
  return app;
}
