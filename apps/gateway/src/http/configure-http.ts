import { ValidationPipe, type INestApplication } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { artifactProxy, streamProxy } from './stream-proxy';
import { toHttpError } from '#platform';
import { ValidationFailedError } from '#platform';

const messagesOf = (errors: ValidationError[], prefix = ''): string[] =>
  errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      e.constraints?.whitelistValidation ? `property ${path} should not exist` : m.replace(e.property, path),
    );
    return [...own, ...messagesOf(e.children ?? [], path)];
  });

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
  // Body-parser errors happen before NestJS routing; answer them in the API's error shape.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!error) return next();
    const { status, body } = toHttpError(error);
    res.status(status).json(body);
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new ValidationFailedError(messagesOf(errors)),
    }),
  );
}
