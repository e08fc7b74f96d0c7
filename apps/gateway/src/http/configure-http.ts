import type { INestApplication } from '@nestjs/common';
import express from 'express';
import type { Logger } from 'pino';
import { artifactProxy, streamProxy } from './stream-proxy';
import { bodyReadDeadline, refuseUnstorable, requestLogger, requireJsonBodies, traceContext, useApiErrors } from '#platform';

/** Body parsing with a size limit, strict validation, and `{ "error": … }` even for parser failures. */
export function configureHttp(app: INestApplication, options: { bodyLimitBytes: number; bodyReadTimeoutMs: number; streamServiceUrl: string; artifactServiceUrl: string }, logger: Logger): void {
  app.use(traceContext);
  app.use(requestLogger(logger, { requestIds: true }));
  app.use(streamProxy(options.streamServiceUrl, logger));
  app.use(artifactProxy(options.artifactServiceUrl, logger));
  app.use(requireJsonBodies);
  app.use(bodyReadDeadline(options.bodyReadTimeoutMs));
  app.use(express.json({ limit: options.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  app.use(refuseUnstorable);
  useApiErrors(app);
}
