import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER } from '#platform';
import { ReplayedResponse } from '../idempotency/replayed-response';
import { toHttpError } from '#platform';

/** Every error leaves the gateway as `{ "error": … }`, never an HTML page or a stack. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ReplayedResponse) {
      response.status(exception.status).setHeader('Idempotent-Replayed', 'true').json(exception.body);
      return;
    }
    const { status, body } = toHttpError(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(body);
  }
}
