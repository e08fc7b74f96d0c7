import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError, ErrorCode } from '#contracts';
import type { Principal } from '../auth/token-verifier';

/** A refusal the client may retry after `retryAfterSeconds` (429 with `Retry-After`). */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(ErrorCode.RateLimited, message);
  }
}

/** Who a limit counts: one user of one org (an API key counts as its owner). */
export const principalKey = (p: Principal) => `${p.org ?? ''}\u0001${p.userId}`;

/**
 * Requests per principal per window, in memory on each replica (the limit of a deployment is
 * this times its replicas behind a balancer). Counted after authentication, so a forged token
 * cannot spend another user's allowance. (No Nest decorators: provided by a factory, unit-tested in jest.)
 */
export class RateLimits {
  private readonly limiter: RateLimiterMemory | null;

  constructor(config: { RATE_LIMIT_REQUESTS: number; RATE_LIMIT_WINDOW_SECONDS: number }) {
    this.limiter =
      config.RATE_LIMIT_REQUESTS === 0 ? null : new RateLimiterMemory({ points: config.RATE_LIMIT_REQUESTS, duration: config.RATE_LIMIT_WINDOW_SECONDS });
  }

  async take(principal: Principal): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(principalKey(principal));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw new RateLimitedError('too many requests; slow down', Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    }
  }
}
