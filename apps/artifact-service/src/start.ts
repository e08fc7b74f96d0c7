import type { Logger } from 'pino';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Server } from 'node:http';
import { PinoNestLogger, answerClientErrorsInJson, refuseUnstorable, requestLogger, traceContext, useApiErrors } from '#platform';
import { ArtifactServiceModule } from './app.module';
import { loadArtifactServiceConfig } from './config';

/** Starts the artifact-service with its configuration from `env` (its own process, or `npm start`'s one process). */
export async function startArtifactService(env: NodeJS.ProcessEnv, logger: Logger) {
  const config = loadArtifactServiceConfig(env);
  const app = await NestFactory.create<NestExpressApplication>(ArtifactServiceModule.register(config, logger), {
    logger: new PinoNestLogger(logger),
    // Upload bodies are streams of bytes: only the small JSON of PATCH is parsed.
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // Forwarded headers only from the proxies named (the gateway, an ingress): signed URLs are built on them.
  app.set('trust proxy', config.TRUSTED_PROXIES);
  app.use(traceContext);
  app.use(requestLogger(logger));
  const json = express.json({ limit: 16 * 1024 });
  app.use((req: Request, res: Response, next: NextFunction) => (req.method === 'PATCH' ? json(req, res, next) : next()));
  app.use(refuseUnstorable);
  useApiErrors(app);
  answerClientErrorsInJson(app.getHttpServer() as Server);
  await app.listen(config.PORT);
  // Large uploads on slow links take long; a stalled one is cut by ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS instead.
  (app.getHttpServer() as Server).requestTimeout = 0;
  logger.info({ port: config.PORT }, 'artifact-service listening');
  return app;
}
