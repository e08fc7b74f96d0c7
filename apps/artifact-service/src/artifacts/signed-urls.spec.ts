import { UrlSigner, type SignedGrant } from './signed-urls';

describe('UrlSigner', () => {
  const signer = new UrlSigner('a-secret-of-sufficient-length');
  const now = Date.UTC(2026, 0, 1);
  const grant: SignedGrant = { method: 'GET', runId: 'r1', path: 'a/b.txt', expires: now / 1000 + 60, disposition: null };
  const sig = signer.sign(grant);

  it('accepts its own signature before expiry', () => expect(() => signer.verify(grant, sig, now)).not.toThrow());

  it.each([
    ['method', { method: 'PUT' }],
    ['run', { runId: 'r2' }],
    ['path', { path: 'a/c.txt' }],
    ['expiry', { expires: grant.expires + 1 }],
    ['disposition', { disposition: 'attachment' as const }],
  ])('refuses another %s', (_, change) => expect(() => signer.verify({ ...grant, ...change }, sig, now)).toThrow(/invalid signature/));

  it('refuses an expired or foreign signature', () => {
    expect(() => signer.verify(grant, sig, now + 61_000)).toThrow(/expired/);
    expect(() => new UrlSigner('another-secret-entirely').verify(grant, sig, now)).toThrow(/invalid signature/);
    expect(() => signer.verify(grant, `${sig}x`, now)).toThrow(/invalid signature/);
  });
});
