import type { INestApplication } from '@nestjs/common';
import express from 'express';
import type { Logger } from 'pino';
import { artifactProxy, streamProxy } from './stream-proxy';
import { requestLogger, traceContext, useApiErrors } from '#platform';

/** Body parsing with a size limit, strict validation, and `{ "error": … }` even for parser failures. */
export function configureHttp(app: INestApplication, options: { bodyLimitBytes: number; streamServiceUrl: string; artifactServiceUrl: string }, logger: Logger): void {
  app.use(traceContext);
  app.use(requestLogger(logger, { requestIds: true }));
  app.use(streamProxy(options.streamServiceUrl, logger));
  app.use(artifactProxy(options.artifactServiceUrl, logger));
  app.use(express.json({ limit: options.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  useApiErrors(app);
}
