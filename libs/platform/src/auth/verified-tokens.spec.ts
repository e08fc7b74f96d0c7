import { VerifiedTokens } from './verified-tokens';

describe('VerifiedTokens', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 1_000_000));

  it('answers a token verified before, until its own deadline', () => {
    const cache = new VerifiedTokens<string>(10, 60_000, now);
    cache.set('t1', 'alice', clock + 5_000);
    clock += 4_999;
    expect(cache.get('t1')).toBe('alice');
    clock += 1;
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forgets a token ttl after it was verified even when the token lives longer', () => {
    const cache = new VerifiedTokens<string>(10, 60_000, now);
    cache.set('t1', 'alice', clock + 3_600_000);
    clock += 59_999;
    expect(cache.get('t1')).toBe('alice');
    clock += 1;
    expect(cache.get('t1')).toBeUndefined();
  });

  it('knows only the exact token string', () => {
    const cache = new VerifiedTokens<string>(10, 60_000, now);
    cache.set('header.payload.sig', 'alice', clock + 5_000);
    expect(cache.get('header.payload.siG')).toBeUndefined();
    expect(cache.get('header.payload.sig ')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new VerifiedTokens<string>(2, 60_000, now);
    cache.set('a', 'A', clock + 5_000);
    cache.set('b', 'B', clock + 5_000);
    cache.set('c', 'C', clock + 5_000);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B');
    expect(cache.get('c')).toBe('C');
  });

  it('renews a token set again instead of holding it twice', () => {
    const cache = new VerifiedTokens<string>(2, 60_000, now);
    cache.set('a', 'A', clock + 5_000);
    cache.set('b', 'B', clock + 5_000);
    cache.set('a', 'A2', clock + 5_000);
    cache.set('c', 'C', clock + 5_000);
    expect(cache.get('a')).toBe('A2');
    expect(cache.get('b')).toBeUndefined();
  });

  it('holds nothing with capacity 0', () => {
    const cache = new VerifiedTokens<string>(0, 60_000, now);
    cache.set('a', 'A', clock + 5_000);
    expect(cache.get('a')).toBeUndefined();
  });
});
