import type { INestApplication } from '@nestjs/common';
import express from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { artifactProxy, streamProxy } from './stream-proxy';
import { useApiErrors } from '#platform';

/** Body parsing with a size limit, strict validation, and `{ "error": … }` even for parser failures. */
export function configureHttp(app: INestApplication, options: { bodyLimitBytes: number; streamServiceUrl: string; artifactServiceUrl: string }, logger: Logger): void {
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && given.length <= 128 ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
    }),
  );
  app.use(streamProxy(options.streamServiceUrl, logger));
  app.use(artifactProxy(options.artifactServiceUrl, logger));
  app.use(express.json({ limit: options.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  useApiErrors(app);
}
