import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { freshIds, type IdSource } from './id-source';
import type { IdempotentRequest } from './idempotency.interceptor';

/** The request's id source (remembered under its Idempotency-Key, if any). */
export const Ids = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): IdSource => ctx.switchToHttp().getRequest<IdempotentRequest>().ids ?? freshIds,
);
