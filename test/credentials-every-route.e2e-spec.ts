import { STREAMS, SUBJECTS } from '#contracts';
import { FUZZ_ROUTES, send, type FuzzIds, type FuzzRoute } from './support/fuzz-routes';
import { TestSystem } from './support/system';
import { signToken, tokenFor } from './support/tokens';

const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Credentials that must each be a 401 `{ error }`, whatever the route. */
const refusedCredentials = (user: string): Record<string, Record<string, string>> => {
  const good = tokenFor(user);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    'no credentials': {},
    'empty bearer': { authorization: 'Bearer ' },
    'bearer and junk': { authorization: `Bearer ${good} junk` },
    'two bearers': { authorization: `Bearer ${good}, Bearer ${good}` },
    'basic auth': { authorization: `Basic ${Buffer.from(`${user}:x`).toString('base64')}` },
    'not a JWT': bearer('abc.def'),
    'alg none': bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user, org: 'org_test', exp: now() + 60 })}.`),
    'another secret': bearer(signToken({ sub: user, org: 'org_test' }, 'forged-secret')),
    'signature of another token': bearer(`${good.split('.').slice(0, 2).join('.')}.${signToken({ sub: 'usr_x' }).split('.')[2]}`),
    expired: bearer(signToken({ sub: user, org: 'org_test', iat: now() - 7_200, exp: now() - 3_600 })),
    'no exp': bearer(signToken({ sub: user, org: 'org_test', exp: undefined })),
    'valid for a year': bearer(signToken({ sub: user, org: 'org_test', exp: now() + 365 * 86_400 })),
    'issued in the future': bearer(signToken({ sub: user, org: 'org_test', iat: now() + 3_600 })),
    'sub of 4,000 characters': bearer(signToken({ sub: 'u'.repeat(4_000), org: 'org_test' })),
    'sub with NUL': bearer(signToken({ sub: `${user}\u0000`, org: 'org_test' })),
    'org of 4,000 characters': bearer(signToken({ sub: user, org: 'o'.repeat(4_000) })),
    'unknown API key': bearer('rsk_0000000000000000000000000000000000000000'),
    'garbage cookie': { cookie: 'session_token=garbage' },
    'expired cookie': { cookie: `session_token=${signToken({ sub: user, org: 'org_test', iat: now() - 7_200, exp: now() - 3_600 })}` },
  };
};

/**
 * Every route of every dialect (the fuzzer's list) × every credential an attacker can craft:
 * malformed, forged, expired, from the future, over-long, another org's, another site's cookie.
 * Each is refused the same way everywhere, and the owner's objects do not move.
 */
describe('credentials on every route', () => {
  let system: TestSystem;
  const owner = 'usr_cred_owner';
  let ids: FuzzIds;
  let logEnd: () => Promise<number>;
  let before: number;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' }, env: { RATE_LIMIT_REQUESTS: '0' } });
    const api = system.api(owner);
    const threadId = await system.thread(owner, 'Owned');
    const runId = (await api.post('/v1/agent-runs', { tripId: threadId, triggerMessage: 'Plan 2 days in Rome' })).body.run.id as string;
    await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    const run = await system.waitForRun(owner, runId, (s) => s === 'completed');
    const keyId = (await api.post('/v1/api-keys', { name: 'owned' })).body.apiKey?.id as string;
    ids = { runId, threadId, artifactId: run.artifacts?.[0]?.id ?? 1, keyId };
    const last = async (subject: string) => (await system.jsm.direct.getMessage(STREAMS.events, { last_by_subj: subject }))?.seq ?? 0;
    logEnd = async () => Math.max(await last(SUBJECTS.runEvents(runId)), await last(SUBJECTS.threadEvents(threadId)));
    before = await logEnd();
  }, 60_000);
  afterAll(() => system?.stop());

  const pathOf = (route: FuzzRoute) =>
    route.path
      .replace(':runId', ids.runId)
      .replace(':threadId', String(ids.threadId))
      .replace(':name', 'AgentPlan')
      .replace(':artifactId', String(ids.artifactId))
      .replace(':keyId', ids.keyId)
      .replace('*path', 'notes/a.txt');
  const ask = (route: FuzzRoute, headers: Record<string, string>) => {
    const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : route.bytes ? Buffer.from('bytes') : Buffer.from(JSON.stringify(route.body?.(ids) ?? {}));
    const type: Record<string, string> = body === undefined ? {} : { 'content-type': route.bytes ? 'text/plain' : 'application/json' };
    return send(system.gateway!.url, route.method, pathOf(route), { ...type, ...headers }, body, route.stream ?? false);
  };
  const outcome = (res: { status: number; contentType: string; body: string }) => ({
    status: res.status,
    error: res.contentType.includes('json') && JSON.parse(res.body || '{}').error !== undefined,
  });

  it.each(FUZZ_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: every crafted credential is a 401 { error }', async (_name, route) => {
    const answers: Record<string, { status: number; error: boolean }> = {};
    for (const [name, headers] of Object.entries(refusedCredentials(owner))) answers[name] = outcome(await ask(route, headers));
    expect(answers).toEqual(Object.fromEntries(Object.keys(answers).map((name) => [name, { status: 401, error: true }])));
  });

  it.each(FUZZ_ROUTES.filter((r) => r.path.includes(':')).map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: the owner\u2019s sub in another org sees nothing (404 { error })',
    async (_name, route) => {
      // Travelmode's stream takes the session cookie only (seed 002).
      const token = tokenFor(owner, 'org_other');
      const res = await ask(route, route.path === '/v1/agent-runs/:runId/stream' ? { cookie: `session_token=${token}` } : { authorization: `Bearer ${token}` });
      expect(outcome(res)).toEqual({ status: 404, error: true });
    },
  );

  it('lists of the owner\u2019s sub in another org show none of the owner\u2019s objects', async () => {
    for (const route of FUZZ_ROUTES.filter((r) => r.method === 'GET' && !r.path.includes(':'))) {
      const res = await ask(route, { authorization: `Bearer ${tokenFor(owner, 'org_other')}` });
      expect({ route: route.path, status: res.status }).toEqual({ route: route.path, status: 200 });
      expect({ route: route.path, leaks: [ids.runId, ids.keyId, `"id":${ids.threadId},`].filter((id) => res.body.includes(id)) }).toEqual({ route: route.path, leaks: [] });
    }
  });

  it.each(FUZZ_ROUTES.filter((r) => r.method !== 'GET').map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: a write with the session cookie from another site is a 403 { error }',
    async (_name, route) => {
      const cookie = `session_token=${tokenFor(owner)}`;
      expect(outcome(await ask(route, { cookie, 'sec-fetch-site': 'cross-site' }))).toEqual({ status: 403, error: true });
      expect(outcome(await ask(route, { cookie, origin: 'https://evil.example' }))).toEqual({ status: 403, error: true });
    },
  );

  it('left the owner\u2019s run and thread exactly as they were', async () => {
    expect(await logEnd()).toBe(before);
    expect((await system.api(owner).get(`/v1/agent-runs/${ids.runId}`)).body.run.status).toBe('completed');
  });
});
