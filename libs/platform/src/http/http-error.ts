import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, ErrorCode } from '#contracts';
import { errorBodyFor, type RenderedError } from '#dialects';
import { StorageFull, isStorageFull } from '#messaging';
import { isOutage } from '../outage';
import { ValidationFailedError } from './validation-failed.error';

export interface HttpError {
  status: number;
  /** In the shape of the dialect whose route answered (`{ "error": … }` in every dialect today). */
  body: unknown;
  /** Headers the answer must carry (`Retry-After` of a 429). */
  headers: Record<string, string>;
}

const STATUS_OF: Record<ErrorCode, number> = {
  [ErrorCode.RunNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.ThreadNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.AgentNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.InvalidTransition]: HttpStatus.BAD_REQUEST,
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.StaleAttempt]: HttpStatus.CONFLICT,
  [ErrorCode.NotLeaseHolder]: HttpStatus.CONFLICT,
  [ErrorCode.ArtifactNotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.NoActiveWorker]: HttpStatus.CONFLICT,
  [ErrorCode.AlreadyExists]: HttpStatus.CONFLICT,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.IdempotencyInProgress]: HttpStatus.CONFLICT,
  [ErrorCode.IdempotencyKeyReused]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.RequestTimeout]: HttpStatus.REQUEST_TIMEOUT,
  [ErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** The single mapping from anything thrown on `path` to an HTTP status and that dialect's error body. */
export function toHttpError(error: unknown, path: string): HttpError {
  const rendered = renderError(error);
  const retryAfter = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
  const headers: Record<string, string> = typeof retryAfter === 'number' ? { 'Retry-After': String(retryAfter) } : {};
  return { status: rendered.status, body: errorBodyFor(path, rendered), headers };
}

/** Anything thrown → status and message; never a stack or an internal detail. */
export function renderError(error: unknown): RenderedError {
  if (error instanceof ValidationFailedError) return { status: HttpStatus.BAD_REQUEST, message: error.details };
  if (error instanceof DomainError) return { status: STATUS_OF[error.code] ?? 500, message: error.message };
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message =
      typeof response === 'string' ? response : ((response as { message?: string | string[] }).message ?? error.message);
    return { status: error.getStatus(), message };
  }
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  // Errors thrown by Express middleware (body parser): keep their 4xx status, never their stack.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (error as { type?: string }).type;
    const message =
      type === 'entity.too.large'
        ? 'request body too large'
        : type === 'entity.parse.failed'
          ? 'request body is not valid JSON'
          : ((error as Error).message ?? 'bad request');
    return { status, message };
  }
  // A command or idempotency record refused by a stream or bucket at its limits (JetStream's own error).
  if (isStorageFull(error)) return { status: HttpStatus.SERVICE_UNAVAILABLE, message: new StorageFull('').message };
  if (isOutage(error)) return { status: HttpStatus.SERVICE_UNAVAILABLE, message: 'a service this request needs is unavailable; try again shortly' };
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'internal error' };
}
