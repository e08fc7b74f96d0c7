import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { parse as parseCookie } from 'cookie';
import { DomainError, ErrorCode } from '#contracts';

/** The authenticated caller. */
export interface Principal {
  userId: string;
  org: string | null;
  scopes: string[];
  /** How the credential arrived; the Travelmode SSE endpoint accepts the cookie only. */
  via: 'bearer' | 'cookie';
}

export interface TokenVerifierOptions {
  JWT_SECRET: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

export const SESSION_COOKIE = 'session_token';

/** Which credentials a route takes (both by default). */
export interface CredentialRules {
  cookie?: boolean;
  bearer?: boolean;
}

/** Verifies JWTs: HS256 with JWT_SECRET in development, keys from JWKS_URL in production. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.JWKS_URL) {
      this.key = createRemoteJWKSet(new URL(options.JWKS_URL));
      this.algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
    } else {
      this.key = new TextEncoder().encode(options.JWT_SECRET);
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string, via: Principal['via']): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.options.JWT_ISSUER,
        audience: this.options.JWT_AUDIENCE,
      }));
    } catch {
      throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired token');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw new DomainError(ErrorCode.Unauthenticated, 'token has no subject');
    const org = typeof payload.org === 'string' ? payload.org : null;
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { userId: payload.sub, org, scopes, via };
  }

  /**
   * Authenticates a request's headers: `Authorization: Bearer <jwt>` or the session cookie, as the
   * route allows (EventSource cannot send headers: the Travelmode stream takes the cookie only).
   */
  async authenticate(headers: { authorization?: string; cookie?: string }, rules: CredentialRules = {}): Promise<Principal> {
    const { cookie: cookieAllowed = true, bearer: bearerAllowed = true } = rules;
    if (headers.authorization !== undefined) {
      if (!bearerAllowed)
        throw new DomainError(ErrorCode.Unauthenticated, 'this endpoint accepts the session_token cookie only');
      const [scheme, token] = headers.authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token)
        throw new DomainError(ErrorCode.Unauthenticated, 'Authorization must be "Bearer <token>"');
      return this.verify(token, 'bearer');
    }
    const cookie = cookieAllowed && headers.cookie ? parseCookie(headers.cookie)[SESSION_COOKIE] : undefined;
    if (cookie) return this.verify(cookie, 'cookie');
    throw new DomainError(ErrorCode.Unauthenticated, 'missing credentials: send a bearer token or the session_token cookie');
  }
}
