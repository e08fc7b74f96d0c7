import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ReplayedResponse } from '../idempotency/replayed-response';
import { LOGGER } from '../tokens';
import { toHttpError } from './http-error';

const LINGER_MS = 5_000;

/**
 * Every service's one exception filter: errors leave in the answering dialect's shape through
 * the platform's one code → status mapping, never as an HTML page or a stack.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ReplayedResponse) {
      response.status(exception.status).setHeader('Idempotent-Replayed', 'true').json(exception.body);
      return;
    }
    const { status, body, headers } = toHttpError(exception, request.originalUrl);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    // Mid-body: the bytes already sent cannot be taken back; cutting the connection tells the client.
    if (response.headersSent) return void response.destroy();
    // A body refused before it was read (413, 404 …): answer, then discard what the client still
    // sends, for a while. Closing at once with unread bytes resets the connection, which can
    // destroy the answer before the client reads it.
    if (!request.complete) {
      request.resume();
      setTimeout(() => {
        if (!request.complete) request.destroy();
      }, LINGER_MS).unref();
    }
    response.status(status).set(headers).json(body);
  }
}
