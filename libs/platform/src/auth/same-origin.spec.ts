import { DomainError } from '#contracts';
import { assertSameOrigin } from './same-origin';

const post = (headers: Record<string, string>) => ({ method: 'POST', headers: { host: 'api.example.com', ...headers } });
const refused = (fn: () => void) => {
  try {
    fn();
    return false;
  } catch (error) {
    return error instanceof DomainError;
  }
};

describe('cookie-authenticated writes come from this site', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['same-origin fetch metadata', { 'sec-fetch-site': 'same-origin' }, false],
    ['a user typing the URL (none)', { 'sec-fetch-site': 'none' }, false],
    ['cross-site fetch metadata', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, true],
    ['same-site but another origin', { 'sec-fetch-site': 'same-site', origin: 'https://app.example.com' }, true],
    ['an Origin of this host (older browsers)', { origin: 'https://api.example.com' }, false],
    ['an Origin of another host', { origin: 'https://evil.example' }, true],
    ['a null Origin (a sandboxed page)', { origin: 'null' }, true],
    ['neither header (not a browser page)', {}, false],
  ])('%s → refused: %s', (_name, headers, expected) => expect(refused(() => assertSameOrigin(post(headers)))).toBe(expected));
  it('takes a configured origin', () =>
    expect(refused(() => assertSameOrigin(post({ 'sec-fetch-site': 'same-site', origin: 'https://app.example.com' }), ['https://app.example.com']))).toBe(false));
  it('compares with the host the client addressed, behind a proxy', () => {
    const proxied = { method: 'POST', host: 'api.example.com', headers: { host: '10.0.0.7:3003', origin: 'https://api.example.com' } };
    expect(refused(() => assertSameOrigin(proxied))).toBe(false);
    expect(refused(() => assertSameOrigin({ ...proxied, host: 'other.example.com' }))).toBe(true);
  });
  it('never refuses a read', () => expect(refused(() => assertSameOrigin({ method: 'GET', headers: { 'sec-fetch-site': 'cross-site' } }))).toBe(false));
});
