import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER, toHttpError } from '#platform';

const LINGER_MS = 5_000;

/** Every error leaves as `{ "error": … }` through the platform's one code → status mapping. */
@Catch()
export class ArtifactErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toHttpError(exception);
    if (status >= 500) this.logger.error({ err: exception }, 'request failed');
    // Mid-body: the bytes already sent cannot be taken back; cutting the connection tells the client.
    if (response.headersSent) return void response.destroy();
    // An upload refused before its body was read (413, 404 …): answer, then discard what the client
    // still sends, for a while. Closing at once with unread bytes resets the connection, which can
    // destroy the answer before the client reads it.
    if (!request.complete) {
      request.resume();
      setTimeout(() => {
        if (!request.complete) request.destroy();
      }, LINGER_MS).unref();
    }
    response.status(status).json(body);
  }
}
