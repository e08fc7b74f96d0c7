import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { PUBLIC_ROUTE } from '#platform';

/** The authenticated caller. */
export interface Principal {
  userId: string;
  org: string | null;
  scopes: string[];
  /** How the credential arrived; the Travelmode SSE endpoint accepts the cookie only. */
  via: 'bearer' | 'cookie';
}

export type AuthenticatedRequest = Request & { principal?: Principal };

/** No credentials needed. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export const COOKIE_ONLY_ROUTE = 'runstream:cookie-only';
/** Only the `session_token` cookie is accepted (EventSource cannot send headers; seed 002). */
export const CookieOnly = () => SetMetadata(COOKIE_ONLY_ROUTE, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('route has no principal: is it @Public()?');
  return principal;
});
