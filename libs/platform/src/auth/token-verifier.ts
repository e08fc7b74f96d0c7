import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { parse as parseCookie } from 'cookie';
import { DEFAULT_PROJECT, DomainError, ErrorCode } from '#contracts';
import type { ApiKeyDirectory } from './api-key-directory';
import { isApiKey } from './api-key-directory';

/** The authenticated caller: a user, directly (a JWT) or through one of their API keys. */
export interface Principal {
  userId: string;
  /** Vertesia's `account`. */
  org: string | null;
  project: string;
  scopes: string[];
  name: string | null;
  email: string | null;
  /** How the credential arrived; the Travelmode SSE endpoint accepts the cookie only. */
  via: 'bearer' | 'cookie' | 'query';
  /** Set when the credential was an API key. */
  apiKeyId: string | null;
}

export interface TokenVerifierOptions {
  JWT_SECRET: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

export const SESSION_COOKIE = 'session_token';

/** Which credentials a route takes (bearer and cookie by default). */
export interface CredentialRules {
  cookie?: boolean;
  bearer?: boolean;
  /** A token in this query parameter (EventSource cannot send headers); absent: not accepted. */
  queryToken?: string | null;
}

const claim = (value: unknown, max = 256): string | null => (typeof value === 'string' && value.length > 0 && value.length <= max ? value : null);

/** Verifies JWTs: HS256 with JWT_SECRET in development, keys from JWKS_URL in production. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(
    private readonly options: TokenVerifierOptions,
    private readonly keys: ApiKeyDirectory | null = null,
  ) {
    if (options.JWKS_URL) {
      this.key = createRemoteJWKSet(new URL(options.JWKS_URL));
      this.algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
    } else {
      this.key = new TextEncoder().encode(options.JWT_SECRET);
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string, via: Principal['via']): Promise<Principal> {
    if (isApiKey(token)) return this.verifyApiKey(token, via);
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
    // A user id names rows and index keys: one past any sane length is refused, not stored.
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256)
      throw new DomainError(ErrorCode.Unauthenticated, 'token has no subject (or one over 256 characters)');
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return {
      userId: payload.sub,
      org: claim(payload.org),
      project: claim(payload.project) ?? DEFAULT_PROJECT,
      scopes,
      name: claim(payload.name),
      email: claim(payload.email),
      via,
      apiKeyId: null,
    };
  }

  /** A live key acts as its creator, within their org and project, with the key's scopes. */
  private verifyApiKey(secret: string, via: Principal['via']): Principal {
    const key = this.keys?.find(secret);
    if (!key) throw new DomainError(ErrorCode.Unauthenticated, 'invalid or revoked API key');
    return {
      userId: key.ownerId,
      org: key.org,
      project: key.project,
      scopes: key.scopes,
      name: key.createdBy.name,
      email: key.createdBy.email,
      via,
      apiKeyId: key.id,
    };
  }

  /**
   * Authenticates a request's headers: `Authorization: Bearer <jwt>` or the session cookie, as the
   * route allows (EventSource cannot send headers: the Travelmode stream takes the cookie only).
   */
  async authenticate(
    headers: { authorization?: string; cookie?: string },
    rules: CredentialRules = {},
    query: Record<string, unknown> = {},
  ): Promise<Principal> {
    const { cookie: cookieAllowed = true, bearer: bearerAllowed = true, queryToken = null } = rules;
    const fromQuery = queryToken === null ? undefined : query[queryToken];
    if (typeof fromQuery === 'string' && fromQuery.length > 0 && headers.authorization === undefined) return this.verify(fromQuery, 'query');
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
