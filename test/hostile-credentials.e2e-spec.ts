import { STREAMS } from '#contracts';
import { rawRequest } from './support/artifacts';
import { TestSystem } from './support/system';
import { signToken, tokenFor } from './support/tokens';

/**
 * Credentials an attacker can craft: tokens that never expire, come from the future, carry claims
 * no row can hold or name another org; junk Authorization headers; and another site making the
 * browser send the session cookie. Each is refused and changes nothing.
 */
describe('hostile credentials', () => {
  let system: TestSystem;
  const user = 'usr_creds';
  const now = () => Math.floor(Date.now() / 1000);
  let tripId: number;
  let runId: string;

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
    tripId = await system.thread(user);
    runId = (await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage: 'creds' })).body.run.id;
  });
  afterAll(() => system?.stop());

  const logEnd = async () => (await system.jsm.streams.info(STREAMS.events)).state.last_seq;
  const as = (token: string, via: 'bearer' | 'cookie' = 'bearer') => system.api().as(token, via);

  it('refuses tokens without exp, valid too long, issued in the future, expired or not signed by us', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user, org: 'org_test', exp: now() + 60 })}.`;
    const tokens = {
      'no exp': signToken({ sub: user, org: 'org_test', exp: undefined }),
      'valid for a year': signToken({ sub: user, org: 'org_test', exp: now() + 365 * 86_400 }),
      'issued in an hour': signToken({ sub: user, org: 'org_test', iat: now() + 3_600 }),
      expired: signToken({ sub: user, org: 'org_test', iat: now() - 7_200, exp: now() - 3_600 }),
      'alg none': unsigned,
      'another secret': signToken({ sub: user, org: 'org_test' }, 'not-our-secret'),
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await as(token).get(`/v1/agent-runs/${runId}`);
      expect({ name, status: res.status, error: res.body?.error !== undefined }).toEqual({ name, status: 401, error: true });
    }
    // Clocks a little apart are tolerated.
    expect((await as(signToken({ sub: user, org: 'org_test', iat: now() + 30 })).get(`/v1/agent-runs/${runId}`)).status).toBe(200);
  });

  it('refuses claims no row can hold instead of storing them', async () => {
    const claims = {
      'NUL in sub': { sub: 'usr\u0000x' },
      'overlong sub': { sub: 'u'.repeat(257) },
      'numeric sub': { sub: 42 },
      'control character in org': { sub: user, org: 'org\nx' },
      'array org': { sub: user, org: ['org_test'] },
      'a hundred scopes': { sub: user, scope: Array.from({ length: 100 }, (_, i) => `s${i}`).join(' ') },
      'scope with NUL': { sub: user, scope: 'workflow:run \u0000' },
    };
    const before = await logEnd();
    for (const [name, claim] of Object.entries(claims)) {
      const res = await as(signToken(claim as never)).post('/v1/threads', { title: 'claims' });
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
    expect(await logEnd()).toBe(before);
  });

  it('refuses Authorization headers that are not exactly "Bearer <token>"', async () => {
    const token = tokenFor(user);
    for (const authorization of ['Bearer', `Bearer  ${token}`, `Bearer ${token} extra`, `Basic ${token}`, `Bearer ${token},${token}`, `${token}`]) {
      const res = await rawRequest(system.gateway!.url, 'GET', `/v1/agent-runs/${runId}`, { headers: { authorization } });
      expect({ authorization: authorization.slice(0, 16), status: res.status }).toEqual({ authorization: authorization.slice(0, 16), status: 401 });
    }
    // Scheme names are case-insensitive (RFC 9110).
    expect((await rawRequest(system.gateway!.url, 'GET', `/v1/agent-runs/${runId}`, { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
  });

  it('shows nothing of an org to the same user id signed into another org', async () => {
    const elsewhere = as(tokenFor(user, 'org_other'));
    expect((await elsewhere.get(`/v1/agent-runs/${runId}`)).status).toBe(404);
    expect((await elsewhere.get(`/v1/threads/${tripId}`)).status).toBe(404);
    expect((await elsewhere.get(`/v1/runs/${runId}`)).status).toBe(404);
    expect((await elsewhere.get(`/api/v1/agents/${runId}`)).status).toBe(404);
    expect((await elsewhere.get('/v1/agent-runs')).body.runs).toEqual([]);
    const before = await logEnd();
    expect((await elsewhere.post(`/v1/agent-runs/${runId}/control`, { action: 'cancel' })).status).toBe(404);
    expect(await logEnd()).toBe(before);
  });

  it('refuses writes another site makes with the session cookie, and takes the same site\'s', async () => {
    const cookie = as(tokenFor(user), 'cookie');
    const crossSite: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'https://sub.example' }, { origin: 'https://evil.example' }, { origin: 'null' }];
    const before = await logEnd();
    for (const headers of crossSite) {
      const res = await cookie.post(`/v1/agent-runs/${runId}/control`, { action: 'cancel' }, headers);
      expect({ headers, status: res.status, error: res.body?.error !== undefined }).toEqual({ headers, status: 403, error: true });
      const upload = await rawRequest(system.gateway!.url, 'PUT', `/api/v1/agents/${runId}/artifacts/x.txt`, {
        headers: { ...headers, cookie: `session_token=${tokenFor(user)}`, 'content-type': 'text/plain' },
        body: Buffer.from('x'),
      });
      expect({ headers, upload: upload.status }).toEqual({ headers, upload: 403 });
    }
    expect(await logEnd()).toBe(before);
    // Reads with the cookie from anywhere, and a bearer token with any headers, are not a forgery.
    expect((await cookie.get(`/v1/agent-runs/${runId}`, { 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expect((await as(tokenFor(user)).post('/v1/threads', { title: 'bearer' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(201);
    // The site's own page: fetch metadata, or only an Origin of this host.
    expect((await cookie.post('/v1/threads', { title: 'same site' }, { 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await cookie.post('/v1/threads', { title: 'origin' }, { origin: system.gateway!.url })).status).toBe(201);
    const sameOriginUpload = await rawRequest(system.gateway!.url, 'PUT', `/api/v1/agents/${runId}/artifacts/y.txt`, {
      headers: { origin: system.gateway!.url, cookie: `session_token=${tokenFor(user)}`, 'content-type': 'text/plain' },
      body: Buffer.from('y'),
    });
    expect(sameOriginUpload.status).toBe(201);
  });
});
