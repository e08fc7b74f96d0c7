import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DomainError, ErrorCode } from '#contracts';
import { CONFIG } from '#platform';
import type { GatewayConfig } from '../config';
import type { Principal } from './principal';

/** Verifies JWTs: HS256 with JWT_SECRET in development, keys from JWKS_URL in production. */
@Injectable()
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(@Inject(CONFIG) private readonly config: GatewayConfig) {
    if (config.JWKS_URL) {
      this.key = createRemoteJWKSet(new URL(config.JWKS_URL));
      this.algorithms = ['RS256', 'ES256', 'PS256', 'EdDSA'];
    } else {
      this.key = new TextEncoder().encode(config.JWT_SECRET);
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string, via: Principal['via']): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
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
}
