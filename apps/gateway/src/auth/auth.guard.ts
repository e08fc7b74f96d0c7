import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { parse as parseCookie } from 'cookie';
import { DomainError, ErrorCode } from '#contracts';
import { PUBLIC_ROUTE } from '#platform';
import { COOKIE_ONLY_ROUTE, type AuthenticatedRequest } from './principal';
import { TokenVerifier } from './token-verifier';

export const SESSION_COOKIE = 'session_token';

/** Authenticates every route not marked @Public(): `Authorization: Bearer <jwt>` or the session cookie. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const cookieOnly = this.reflector.getAllAndOverride<boolean>(COOKIE_ONLY_ROUTE, targets) ?? false;

    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      if (cookieOnly)
        throw new DomainError(ErrorCode.Unauthenticated, 'this endpoint accepts the session_token cookie only');
      const [scheme, token] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token)
        throw new DomainError(ErrorCode.Unauthenticated, 'Authorization must be "Bearer <token>"');
      request.principal = await this.verifier.verify(token, 'bearer');
      return true;
    }
    const cookie = request.headers.cookie ? parseCookie(request.headers.cookie)[SESSION_COOKIE] : undefined;
    if (cookie) {
      request.principal = await this.verifier.verify(cookie, 'cookie');
      return true;
    }
    throw new DomainError(ErrorCode.Unauthenticated, 'missing credentials: send a bearer token or the session_token cookie');
  }
}
