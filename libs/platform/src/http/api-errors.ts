import { ValidationPipe, type INestApplication } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { NextFunction, Request, Response } from 'express';
import { toHttpError } from './http-error';
import { ValidationFailedError } from './validation-failed.error';

const messagesOf = (errors: ValidationError[], prefix = ''): string[] =>
  errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      e.constraints?.whitelistValidation ? `property ${path} should not exist` : m.replace(e.property, path),
    );
    return [...own, ...messagesOf(e.children ?? [], path)];
  });

/**
 * Errors in the API's shape, `{ "error": … }`: body-parser failures (which happen before NestJS
 * routing; mount this after the parser) and strict DTO validation (unknown properties refused).
 */
export function useApiErrors(app: INestApplication): void {
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!error) return next();
    // Already answered (a body deadline's 408): the parser's late error has no one to tell.
    if (res.headersSent) return;
    const { status, body, headers } = toHttpError(error, req.originalUrl);
    res.status(status).set(headers).json(body);
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
