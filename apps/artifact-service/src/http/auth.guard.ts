import { Inject, SetMetadata, createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError, ErrorCode } from '#contracts';
import { CONFIG, PUBLIC_ROUTE, RateLimits, TokenVerifier, assertSameOrigin, type Principal } from '#platform';

const SIGNED_URL_ROUTE = 'runstream:signed-url';
/** The route verifies a signed URL itself when the request carries one (no credentials then): a GET or a PUT. */
export const AcceptsSignedUrl = () => SetMetadata(SIGNED_URL_ROUTE, true);

export type ArtifactRequest = Request & { principal?: Principal };

export const isSignedRequest = (req: Request) => typeof req.query.sig === 'string';

/**
 * Bearer token or `session_token` cookie on every route but health; a request carrying a URL
 * signature skips credentials only on a route that checks it, and is refused (403) elsewhere, so a
 * signed URL never grants a method or route it was not made for.
 */
@Injectable()
export class ArtifactAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly limits: RateLimits,
    @Inject(CONFIG) private readonly config: { ALLOWED_ORIGINS: string[] },
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<ArtifactRequest>();
    if (isSignedRequest(request)) {
      if (this.reflector.getAllAndOverride<boolean>(SIGNED_URL_ROUTE, targets) && (request.method === 'GET' || request.method === 'PUT')) return true;
      throw new DomainError(ErrorCode.Forbidden, 'a signed URL grants one method on its one file only');
    }
    request.principal = await this.verifier.authenticate(request.headers);
    if (request.principal.via === 'cookie') assertSameOrigin(request, this.config.ALLOWED_ORIGINS);
    await this.limits.take(request.principal);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<ArtifactRequest>().principal;
  if (!principal) throw new DomainError(ErrorCode.Unauthenticated, 'missing credentials');
  return principal;
});
