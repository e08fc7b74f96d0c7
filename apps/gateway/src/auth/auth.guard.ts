import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CONFIG, PUBLIC_ROUTE, RateLimits, TokenVerifier, assertSameOrigin } from '#platform';
import type { AuthenticatedRequest } from '#platform';

/**
 * Authenticates every route not marked public: `Authorization: Bearer <jwt or API key>` or the
 * session cookie; a write with the cookie must come from this site.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly limits: RateLimits,
    @Inject(CONFIG) private readonly config: { ALLOWED_ORIGINS: string[] },
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.verifier.authenticate(request.headers);
    if (request.principal.via === 'cookie') assertSameOrigin(request, this.config.ALLOWED_ORIGINS);
    await this.limits.take(request.principal);
    return true;
  }
}
