import fc from 'fast-check';
import { STREAMS, SUBJECTS } from '#contracts';
import { FUZZ_ROUTES, send, type FuzzIds, type FuzzRoute } from './support/fuzz-routes';
import { TestSystem } from './support/system';
import { signToken, tokenFor } from './support/tokens';

/** Inputs per route (100: about 4,200 inputs in some 15 s here; FUZZ_RUNS changes it, FUZZ_SEED replays a failure). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

/**
 * Every route of every dialect, with bodies, headers, query strings and path parameters bent out
 * of shape: no input may give a 5xx, every 4xx is JSON `{ error }`, and afterwards the system is
 * healthy and another user's objects are exactly as they were.
 */
describe('fuzzing every route', () => {
  let system: TestSystem;
  const user = 'usr_fuzz';
  const sentinelUser = 'usr_sentinel';
  let ids: FuzzIds;
  let sentinel: { runId: string; threadId: number; snapshot: string; logEnd: number };
  let tried = 0;

  beforeAll(async () => {
    // No rate limit: thousands of requests from one user would otherwise be answered 429 before
    // reaching the routes under test (the limiter has its own suite).
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' }, env: { RATE_LIMIT_REQUESTS: '0' } });
    const api = system.api(user);
    const threadId = await system.thread(user, 'Fuzzed');
    const runId = (await api.post('/v1/agent-runs', { tripId: threadId, triggerMessage: 'Plan 2 days in Rome' })).body.run.id as string;
    await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    const run = await system.waitForRun(user, runId, (s) => s === 'completed');
    const keyId = (await api.post('/v1/api-keys', { name: 'fuzzed' })).body.apiKey?.id ?? 'key_missing';
    ids = { runId, threadId, artifactId: run.artifacts?.[0]?.id ?? 1, keyId };
    sentinel = await sentinelState();
  }, 60_000);
  afterAll(() => system?.stop());

  async function sentinelState() {
    const owner = system.api(sentinelUser);
    const threadId = sentinel?.threadId ?? (await system.thread(sentinelUser, 'Sentinel'));
    const runId = sentinel?.runId ?? ((await owner.post('/v1/agent-runs', { tripId: threadId, triggerMessage: 'sentinel' })).body.run.id as string);
    const snapshot = JSON.stringify([(await owner.get(`/v1/agent-runs/${runId}`)).body, (await owner.get(`/v1/threads/${threadId}`)).body]);
    const last = async (subject: string) => (await system.jsm.direct.getMessage(STREAMS.events, { last_by_subj: subject }))?.seq ?? 0;
    return { runId, threadId, snapshot, logEnd: Math.max(await last(SUBJECTS.runEvents(runId)), await last(SUBJECTS.threadEvents(threadId))) };
  }

  const hostileString = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', '\u0000', 'a\u0000b', '..', '../..', '%00', '%2e%2e', '%2F', '__proto__', 'constructor', '-1', '0', '1e309', 'NaN', 'null', '9'.repeat(40), 'x'.repeat(5_000), '\ud800', '<script>', "' OR 1=1 --", 'March 7'),
  );
  const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    hostileString,
    fc.constantFrom({ __proto__: { admin: true } }, JSON.parse('{"__proto__":{"x":1}}'), { constructor: { prototype: 1 } }),
  );
  /** Percent-encodes a string's UTF-8 bytes (a lone surrogate becomes U+FFFD, as a client library would send it). */
  const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  /** A body: the valid one bent (values replaced, keys dropped or added), any JSON, deep nesting, or not JSON at all. */
  const bodyFor = (route: FuzzRoute) => {
    const valid = route.body?.(ids) ?? {};
    const keys = Object.keys(valid);
    return fc.oneof(
      { weight: 4, arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, fc.oneof(fc.constant(valid[k]), hostileJson)]))).map((b) => JSON.stringify(b)) },
      { weight: 2, arbitrary: fc.dictionary(hostileString, hostileJson, { maxKeys: 4 }).map((extra) => JSON.stringify({ ...valid, ...extra })) },
      { weight: 2, arbitrary: hostileJson.map((b) => JSON.stringify(b) ?? 'null') },
      { weight: 1, arbitrary: fc.constantFrom(deep(3_000), deep(40), '{"a":' + '{"a":'.repeat(2_000) + '1' + '}'.repeat(2_001), '{', '', 'not json', '<xml/>', '{"a":1}{"b":2}') },
    );
  };
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', '', 'application/merge-patch+json') },
  );
  const queryFor = (route: FuzzRoute) =>
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...(route.query ?? ['x']), 'x', '__proto__'), hostileString), hostileString), { maxLength: 4 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : ''));
  const param = (valid: string) =>
    fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 2, arbitrary: hostileString.map(enc) }, { weight: 1, arbitrary: fc.constantFrom('..', '%00', '%2e%2e', '%2F', '.', '%ED%A0%80', '%FF', '%') });
  const credentials: fc.Arbitrary<Record<string, string>> = fc.oneof(
    { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${tokenFor(user)}` }) },
    { weight: 1, arbitrary: fc.constant({ cookie: `session_token=${tokenFor(user)}`, 'sec-fetch-site': 'same-origin' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, string>>(
        {},
        { authorization: 'Bearer' },
        { authorization: `Bearer ${signToken({ sub: 'u'.repeat(4_000) })}` },
        { authorization: `Bearer ${signToken({ sub: 'usr\u0000x' })}` },
        { authorization: `Bearer ${signToken({ sub: user, exp: undefined })}` },
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { cookie: 'session_token=garbage' },
      ),
    },
  );
  const idempotencyKey = fc.option(fc.stringMatching(/^[\x21-\x7e]{0,300}$/), { nil: undefined });

  const pathOf = (route: FuzzRoute, p: { run: string; thread: string; name: string; artifact: string; key: string; file: string }) =>
    route.path
      .replace(':runId', p.run)
      .replace(':threadId', p.thread)
      .replace(':name', p.name)
      .replace(':artifactId', p.artifact)
      .replace(':keyId', p.key)
      .replace('*path', p.file);

  it.each(FUZZ_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: never a 5xx, every 4xx a JSON { error }', async (_name, route) => {
    const params = fc.record({
      run: param(ids.runId),
      thread: param(String(ids.threadId)),
      name: param('AgentPlan'),
      artifact: param(String(ids.artifactId)),
      key: param(ids.keyId),
      file: param('notes/a.txt'),
    });
    const writes = route.method !== 'GET' && route.method !== 'DELETE';
    await fc.assert(
      fc.asyncProperty(params, queryFor(route), writes ? bodyFor(route) : fc.constant(undefined), contentType, credentials, idempotencyKey, async (p, query, body, type, auth, key) => {
        tried++;
        const headers: Record<string, string> = { ...auth };
        if (body !== undefined && type) headers['content-type'] = route.bytes ? 'text/plain' : type;
        if (key !== undefined) headers['idempotency-key'] = key;
        const path = `${pathOf(route, p)}${query}`;
        const res = await send(system.gateway!.url, route.method, path, headers, body === undefined ? undefined : Buffer.from(body), route.stream ?? false);
        const where = `${route.method} ${path.slice(0, 300)} (${res.status}): ${res.body.slice(0, 300)}`;
        if (res.status >= 500) throw new Error(`5xx for ${where}`);
        if (res.status >= 400) {
          if (!res.contentType.includes('json')) throw new Error(`a ${res.status} not in JSON for ${where}`);
          const parsed = JSON.parse(res.body) as { error?: unknown };
          if (parsed.error === undefined) throw new Error(`a ${res.status} without error for ${where}`);
        }
      }),
      { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
  });

  // class-validator's @IsOptional lets null through: every field of every body, null, one at a time.
  it.each(FUZZ_ROUTES.filter((r) => r.body).map((r) => [`${r.method} ${r.path}`, r] as const))('%s: each field null is never a 5xx', async (_name, route) => {
    const valid = route.body!(ids);
    for (const key of Object.keys(valid)) {
      tried++;
      const path = pathOf(route, { run: ids.runId, thread: String(ids.threadId), name: 'AgentPlan', artifact: String(ids.artifactId), key: ids.keyId, file: 'notes/a.txt' });
      const res = await send(system.gateway!.url, route.method, path, { authorization: `Bearer ${tokenFor(user)}`, 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ ...valid, [key]: null })), route.stream ?? false);
      expect({ key, status: res.status < 500 ? 'below 500' : res.status }).toEqual({ key, status: 'below 500' });
    }
  });

  it('leaves the system healthy and other users\' objects untouched', async () => {
    process.stdout.write(`fuzzing: ${tried} inputs over ${FUZZ_ROUTES.length} routes\n`);
    expect(tried).toBeGreaterThanOrEqual(FUZZ_ROUTES.length * RUNS);
    for (const service of [system.gateway!, ...system.runServices, ...system.streamServices, ...system.artifactServices]) {
      expect({ service: service.name, ready: (await fetch(`${service.url}/health/ready`)).status }).toEqual({ service: service.name, ready: 200 });
    }
    expect(await sentinelState()).toEqual(sentinel);
    // Nothing a request sent reached the log that the read model could not store.
    expect(await system.db.query('SELECT aggregate_kind, event_type, error_code FROM projection_faults')).toEqual([]);
    // And the fuzzing user still works normally.
    const run = await system.api(user).post('/v1/agent-runs', { tripId: ids.threadId, triggerMessage: 'Plan 1 day in Paris' });
    expect(run.status).toBe(201);
  });
});
