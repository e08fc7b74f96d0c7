import { wholeNumber } from '../config';
import type { Principal } from '../auth/token-verifier';
import { RateLimitedError, principalKey } from './rate-limits';

export const streamQuotaEnv = {
  SSE_MAX_STREAMS_PER_PRINCIPAL: wholeNumber(0)({ default: 100, desc: 'open SSE streams one principal may hold on one stream-service replica; 0: no limit' }),
};

/** Open streams per principal on this replica: one more than the cap is a 429, not a held socket. */
export class StreamQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly config: { SSE_MAX_STREAMS_PER_PRINCIPAL: number }) {}

  /** Counts a stream; returns its release (idempotent). */
  acquire(principal: Principal): () => void {
    const max = this.config.SSE_MAX_STREAMS_PER_PRINCIPAL;
    const key = principalKey(principal);
    const held = this.open.get(key) ?? 0;
    if (max > 0 && held >= max) throw new RateLimitedError(`at most ${max} open streams per caller; close one first`, 5);
    this.open.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }
}
