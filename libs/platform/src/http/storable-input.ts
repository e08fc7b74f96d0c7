import type { NextFunction, Request, Response } from 'express';
import { DomainError, ErrorCode, unstorable } from '#contracts';
import { ValidationFailedError } from './validation-failed.error';

/**
 * Refuses, at the edge, a body or query string the read model could not store (NUL characters,
 * JSON nested past the limit, `__proto__`-like keys) with a 400, before any validation or
 * command: the aggregate refuses the same, for whatever reaches it another way.
 */
export function refuseUnstorable(req: Request, _res: Response, next: NextFunction): void {
  const reason = unstorable(req.body, 'the body') ?? unstorable(req.query, 'the query string');
  next(reason ? new ValidationFailedError([reason]) : undefined);
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A write that carries a body carries JSON: text, forms, multipart or XML are a 415, not an empty
 * body quietly accepted (a form is also how another site's page would post to this API).
 */
export function requireJsonBodies(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!WRITES.has(req.method) || !hasBody || req.is(['application/json', 'application/*+json'])) return next();
  next(new DomainError(ErrorCode.UnsupportedMediaType, 'the body must be JSON (Content-Type: application/json)'));
}
