import { ErrorCode } from '#contracts';
import type { Principal } from '../auth/token-verifier';
import { RateLimitedError, RateLimits } from './rate-limits';
import { StreamQuota } from './stream-quota';

const principal = (userId: string, org: string | null = 'org_a'): Principal => ({
  userId,
  org,
  project: 'default',
  scopes: [],
  name: null,
  email: null,
  via: 'bearer',
  apiKeyId: null,
  expiresAt: null,
});

const refusal = async (attempt: () => unknown) => {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  return null;
};

describe('RateLimits', () => {
  it('given a principal at its limit, when it asks again, then it is refused RATE_LIMITED with a retry time within the window', async () => {
    const limits = new RateLimits({ RATE_LIMIT_REQUESTS: 3, RATE_LIMIT_WINDOW_SECONDS: 30 });
    for (let i = 0; i < 3; i++) await limits.take(principal('usr_a'));
    const error = await refusal(() => limits.take(principal('usr_a')));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).code).toBe(ErrorCode.RateLimited);
    expect((error as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((error as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(30);
  });

  it('given one principal at its limit, then the same user id in another org and another user are not limited', async () => {
    const limits = new RateLimits({ RATE_LIMIT_REQUESTS: 1, RATE_LIMIT_WINDOW_SECONDS: 30 });
    await limits.take(principal('usr_a'));
    expect(await refusal(() => limits.take(principal('usr_a')))).toBeInstanceOf(RateLimitedError);
    expect(await refusal(() => limits.take(principal('usr_a', 'org_b')))).toBeNull();
    expect(await refusal(() => limits.take(principal('usr_b')))).toBeNull();
  });

  it('given a limit of 0, then nothing is limited', async () => {
    const limits = new RateLimits({ RATE_LIMIT_REQUESTS: 0, RATE_LIMIT_WINDOW_SECONDS: 1 });
    for (let i = 0; i < 100; i++) await limits.take(principal('usr_a'));
  });
});

describe('StreamQuota', () => {
  it('given a principal holding its cap, when it opens one more, then it is refused; once one is released it may', () => {
    const quota = new StreamQuota({ SSE_MAX_STREAMS_PER_PRINCIPAL: 2 });
    const first = quota.acquire(principal('usr_a'));
    quota.acquire(principal('usr_a'));
    expect(() => quota.acquire(principal('usr_a'))).toThrow(RateLimitedError);
    expect(() => quota.acquire(principal('usr_b'))).not.toThrow();
    first();
    first(); // released twice: counted once
    quota.acquire(principal('usr_a'));
    expect(() => quota.acquire(principal('usr_a'))).toThrow(RateLimitedError);
  });

  it('given a cap of 0, then streams are not counted', () => {
    const quota = new StreamQuota({ SSE_MAX_STREAMS_PER_PRINCIPAL: 0 });
    for (let i = 0; i < 1_000; i++) quota.acquire(principal('usr_a'));
  });
});
