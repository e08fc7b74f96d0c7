import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { LOGGER, toHttpError } from '#platform';

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
    // An upload refused before its body was read (413, 404 …): close rather than read the rest.
    if (!request.complete) response.setHeader('Connection', 'close');
    response.status(status).json(body);
  }
}
