/**
 * Tokens already verified, so a client sending the same token on every request pays the signature
 * check once (it was an eighth of the gateway's CPU on `GET` run: bench:http's profile). A hit is
 * the exact same token string, hence the same signature; only time can change its answer, so each
 * entry lasts until the token's own deadline or `ttlMs` after it was verified (a key removed from
 * the JWKS stops being honoured within that), whichever is first. Bounded: the oldest go first.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly capacity = 5_000,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  /** Remembers a verified token until `deadline` (epoch ms) at the latest. */
  set(token: string, value: T, deadline: number): void {
    if (this.capacity <= 0) return;
    this.entries.delete(token);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { value, until: Math.min(deadline, this.now() + this.ttlMs) });
  }

  get size(): number {
    return this.entries.size;
  }
}
