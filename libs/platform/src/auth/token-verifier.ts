import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { parse as parseCookie } from 'cookie';
import { DEFAULT_PROJECT, DomainError, ErrorCode } from '#contracts';
import type { ApiKeyDirectory } from './api-key-directory';
import { isApiKey } from './api-key-directory';
import { VerifiedTokens } from './verified-tokens';

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
  /** When the credential stops being accepted (a token's `exp` plus the clock skew, epoch ms); null for an API key (until revoked). */
  expiresAt: number | null;
}

export interface TokenVerifierOptions {
  JWT_SECRET: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  /** A token may not be valid for longer than this from now (`exp` is required). */
  JWT_MAX_LIFETIME_SECONDS?: number;
  /** Clocks of issuers and services may differ by this much (default 60). */
  JWT_CLOCK_SKEW_SECONDS?: number;
}

/** `Bearer <token>`: one token, in the characters JWTs and API keys are made of. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

export const SESSION_COOKIE = 'session_token';

/** Which credentials a route takes (bearer and cookie by default). */
export interface CredentialRules {
  cookie?: boolean;
  bearer?: boolean;
  /** A token in this query parameter (EventSource cannot send headers); absent: not accepted. */
  queryToken?: string | null;
}

/** A claim names rows and index keys: 1-256 characters, no control characters (NUL cannot be stored). */
const CLAIM = /^[^\u0000-\u001f\u007f]{1,256}$/;
const SCOPE = /^[\x21-\x7e]{1,64}$/;

/** An optional string claim: absent is null, present but unfit refuses the token. */
function claim(payload: JWTPayload, name: string): string | null {
  const value = payload[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !CLAIM.test(value)) throw new DomainError(ErrorCode.Unauthenticated, `the token's ${name} claim is not a string of 1-256 printable characters`);
  return value;
}

/** Verifies JWTs: HS256 with JWT_SECRET in development, keys from JWKS_URL in production. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new VerifiedTokens<Omit<Principal, 'via'>>();

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
    const known = this.verified.get(token);
    if (known) return { ...known, via };
    const principal = await this.verifyJwt(token);
    this.verified.set(token, principal, principal.expiresAt as number);
    return { ...principal, via };
  }

  private async verifyJwt(token: string): Promise<Omit<Principal, 'via'>> {
    const CLOCK_SKEW_SECONDS = this.options.JWT_CLOCK_SKEW_SECONDS ?? 60;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.options.JWT_ISSUER,
        audience: this.options.JWT_AUDIENCE,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_SKEW_SECONDS,
      }));
    } catch {
      throw new DomainError(ErrorCode.Unauthenticated, 'invalid or expired token (exp is required)');
    }
    const now = Math.floor(Date.now() / 1000);
    const maxLifetime = this.options.JWT_MAX_LIFETIME_SECONDS ?? 24 * 60 * 60;
    if ((payload.exp as number) - now > maxLifetime + CLOCK_SKEW_SECONDS)
      throw new DomainError(ErrorCode.Unauthenticated, `the token is valid for longer than ${maxLifetime} s`);
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_SKEW_SECONDS))
      throw new DomainError(ErrorCode.Unauthenticated, 'the token was issued in the future');
    if (typeof payload.sub !== 'string' || !CLAIM.test(payload.sub))
      throw new DomainError(ErrorCode.Unauthenticated, 'token has no subject of 1-256 printable characters');
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    if (payload.scope !== undefined && (typeof payload.scope !== 'string' || scopes.length > 32 || !scopes.every((x) => SCOPE.test(x))))
      throw new DomainError(ErrorCode.Unauthenticated, "the token's scope claim is not up to 32 space-separated scopes");
    return {
      userId: payload.sub,
      org: claim(payload, 'org'),
      project: claim(payload, 'project') ?? DEFAULT_PROJECT,
      scopes,
      name: claim(payload, 'name'),
      email: claim(payload, 'email'),
      apiKeyId: null,
      // The instant this verification starts refusing it: a stream opened with it ends then.
      expiresAt: ((payload.exp as number) + CLOCK_SKEW_SECONDS) * 1000,
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
      expiresAt: null,
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
      const match = BEARER.exec(headers.authorization);
      if (!match) throw new DomainError(ErrorCode.Unauthenticated, 'Authorization must be "Bearer <token>"');
      return this.verify(match[1] as string, 'bearer');
    }
    const cookie = cookieAllowed && headers.cookie ? parseCookie(headers.cookie)[SESSION_COOKIE] : undefined;
    if (cookie) return this.verify(cookie, 'cookie');
    throw new DomainError(ErrorCode.Unauthenticated, 'missing credentials: send a bearer token or the session_token cookie');
  }
}
