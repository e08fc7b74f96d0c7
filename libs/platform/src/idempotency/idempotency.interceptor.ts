import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { SetMetadata } from '@nestjs/common';
import { catchError, from, mergeMap, map, type Observable } from 'rxjs';
import { DomainError, ErrorCode } from '#contracts';
import type { AuthenticatedRequest } from '../auth/principal';
import { toHttpError } from '../http/http-error';
import { ValidationFailedError } from '../http/validation-failed.error';
import { freshIds, type IdSource } from './id-source';
import { IdempotencyStore } from './idempotency.store';
import { ReplayedResponse } from './replayed-response';

export type IdempotentRequest = AuthenticatedRequest & { ids?: IdSource };

const MUTATING = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const HTTP_CODE_METADATA = '__httpCode__';
const REDACTED_FIELDS = 'runstream:idempotency-redacted';

/**
 * Fields of a route's answer that are shown once and never stored (an API key's secret): a replay
 * answers without them.
 */
export const NotReplayed = (...fields: string[]) => SetMetadata(REDACTED_FIELDS, fields);

/**
 * Records are the credential's, not only the user's: another credential of the same user (an API
 * key with fewer scopes, another project) replays nothing it could not have asked for itself.
 */
const credentialOf = (p: NonNullable<AuthenticatedRequest['principal']>) =>
  [p.userId, p.apiKeyId ?? 'token', p.org ?? '', p.project, [...p.scopes].sort().join(' ')].join('\n');

const without = (body: unknown, fields: string[]) =>
  fields.length > 0 && body && typeof body === 'object' ? Object.fromEntries(Object.entries(body).filter(([k]) => !fields.includes(k))) : body;

/**
 * `Idempotency-Key` on a mutating request: the same key from the same caller gets the same
 * response and causes one effect. 4xx answers are final and replayed; 5xx leave the key retryable.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const key = request.header('idempotency-key');
    request.ids = freshIds;
    if (key === undefined || !MUTATING.has(request.method) || !request.principal) return next.handle();
    if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key))
      throw new ValidationFailedError(['Idempotency-Key must be 1-255 visible ASCII characters']);

    // A streamed body (an artifact upload) is not read before the handler: its type and length stand for it.
    const body = request.body ?? `${request.header('content-type') ?? ''};${request.header('content-length') ?? ''}`;
    const fingerprint = createHash('sha256')
      .update(`${request.method} ${request.originalUrl}\n${JSON.stringify(body)}`)
      .digest('hex');
    const successStatus =
      this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? 201 : 200);

    const redacted = this.reflector.get<string[]>(REDACTED_FIELDS, context.getHandler()) ?? [];
    return from(this.store.begin(credentialOf(request.principal), key, fingerprint)).pipe(
      mergeMap((start) => {
        if (start.kind === 'replay') throw new ReplayedResponse(start.status, start.body);
        request.ids = start.handle;
        // A handler that answers by itself (streams, dynamic statuses): what it sends is recorded.
        const response = context.switchToHttp().getResponse<Response>();
        let sent: { status: number; body: unknown } | null = null;
        const json = response.json.bind(response);
        response.json = (payload: unknown) => {
          sent = { status: response.statusCode, body: payload };
          return json(payload);
        };
        return next.handle().pipe(
          mergeMap((returned) => {
            const outcome: { status: number; body: unknown } = sent ?? { status: successStatus, body: returned };
            return from(start.handle.complete(outcome.status, without(outcome.body, redacted))).pipe(map(() => returned));
          }),
          catchError((error: unknown) => {
            const { status, body } = toHttpError(error, request.originalUrl);
            // Outages, "slow down" and "someone else holds this key" leave the key retryable;
            // other refusals are final.
            const contended = error instanceof DomainError && error.code === ErrorCode.IdempotencyInProgress;
            const retryable = status >= 500 || status === 429 || status === 408 || contended;
            const settle = retryable ? start.handle.release() : start.handle.complete(status, body);
            return from(settle.catch(() => undefined)).pipe(
              map(() => {
                throw error;
              }),
            );
          }),
        );
      }),
    );
  }
}
