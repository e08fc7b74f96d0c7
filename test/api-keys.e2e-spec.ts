import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { STREAMS, SUBJECTS } from '#contracts';
import { ApiClient } from './support/api-client';
import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';
import { waitFor, type ServiceProcess } from '../tools/harness';

/**
 * API keys (POST/GET/DELETE /v1/api-keys): the secret is shown once and stored only hashed; a key
 * acts as its creator, within their org and project, with at most their scopes, on every dialect
 * (SSE and artifact routes included); it cannot mint keys; revoked, it is refused (401) by every
 * process within a second, a gateway that did not revoke it included.
 */
describe('API keys', () => {
  let system: TestSystem;
  let secondGateway: ServiceProcess | null = null;

  const alice = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_1', scope: 'workflow:run', name: 'Alice', email: 'alice@example.com' });
  /** The same user working in another project of the org. */
  const aliceInProj2 = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_2', scope: 'workflow:run' });
  const aliceReader = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_1' });
  const bob = signToken({ sub: 'usr_bob', org: 'org_a', project: 'proj_1', scope: 'workflow:run' });
  const mallory = signToken({ sub: 'usr_mallory', org: 'org_b', project: 'proj_1', scope: 'workflow:run' });

  const as = (token?: string, via: 'bearer' | 'cookie' = 'bearer') => system.api().as(token, via);
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  const rome = { interaction: 'trip-planner', data: { task: 'Plan 1 day in Rome' } };

  interface CreatedKey {
    apiKey: { id: string; name: string; prefix: string; scopes: string[]; org: string | null; project: string; createdAt: string; revokedAt: string | null };
    secret: string;
  }
  async function createKey(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<CreatedKey> {
    const res = await as(token).post('/v1/api-keys', body, headers);
    if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Opens an SSE stream; a 200 is answered with its content type, then the stream is closed. */
  async function sse(url: string, options: { token?: string; bearer?: string } = {}): Promise<{ status: number; body: unknown }> {
    const stream = await SseConnection.open(url, options);
    if (stream.status !== 200) return { status: stream.status, body: stream.body };
    const type = stream.headers.get('content-type');
    stream.abort();
    await stream.done;
    return { status: 200, body: type };
  }
  const eventStream = expect.stringMatching(/^text\/event-stream/);

  const until = (token: string, path: string, done: (body: any) => boolean, what = path) =>
    waitFor(what, async () => {
      const res = await as(token).get(path);
      return res.status === 200 && done(res.body) ? res.body : null;
    }, 60_000, 100);

  /** Alice's project-visible Vertesia run, waiting for input, with a file artifact: what the keys are tried on. */
  let waiting = '';
  /** Bob's runs: one project-visible (Alice's keys may see it), one private (they may not); Mallory's, in another org. */
  const others = { bobProject: '', bobPrivate: '', mallory: '' };

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    const created = await as(alice).post('/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' } });
    expect(created.status).toBe(201);
    waiting = created.body.id;
    await until(alice, `/v1/agent-runs/${waiting}`, (b) => b.run.status === 'waiting_for_input', 'the run waiting for input');
    expect((await as(alice).request('PUT', `/api/v1/agents/${waiting}/artifacts/report.txt`, 'the report', { 'content-type': 'text/plain' })).status).toBe(201);
    others.bobProject = (await as(bob).post('/api/v1/agents', rome)).body.id;
    others.bobPrivate = (await as(bob).post('/api/v1/agents', { ...rome, visibility: 'private' })).body.id;
    others.mallory = (await as(mallory).post('/api/v1/agents', rome)).body.id;
  });
  afterAll(async () => {
    await secondGateway?.stop();
    await system?.stop();
  });

  it('POST /v1/api-keys → 201 with the secret, this once; GET /v1/api-keys lists it with neither the secret nor its hash', async () => {
    const res = await as(alice).post('/v1/api-keys', { name: 'ci' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      apiKey: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'ci',
        prefix: expect.any(String),
        // Default: the creator's scopes.
        scopes: ['workflow:run'],
        org: 'org_a',
        project: 'proj_1',
        createdAt: expect.any(String),
        revokedAt: null,
      },
      secret: expect.stringMatching(/^rsk_[A-Za-z0-9_-]{43}$/),
    });
    const { apiKey, secret } = res.body as CreatedKey;
    // The prefix identifies the key in a list; it is not the secret.
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey.prefix.length).toBeLessThanOrEqual(16);

    const list = await as(alice).get('/v1/api-keys');
    expect(list.status).toBe(200);
    expect(list.body.apiKeys).toContainEqual(apiKey);
    for (const item of list.body.apiKeys) expect(Object.keys(item).sort()).toEqual(['createdAt', 'id', 'name', 'org', 'prefix', 'project', 'revokedAt', 'scopes']);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(apiKey.prefix.length));
    expect(text).not.toContain(sha256(secret));
    // Another user's list does not show it.
    expect((await as(bob).get('/v1/api-keys')).body.apiKeys.map((k: any) => k.id)).not.toContain(apiKey.id);

    for (const bad of [{}, { name: '' }, { name: 'x', scopes: ['not a scope!'] }, { name: 'x', scopes: 'workflow:run' }, { name: 'x', extra: 1 }]) {
      const refused = await as(alice).post('/v1/api-keys', bad);
      expect([bad, refused.status, refused.body]).toEqual([bad, 400, { error: expect.anything() }]);
    }
    for (const [method, path] of [['POST', '/v1/api-keys'], ['GET', '/v1/api-keys'], ['DELETE', `/v1/api-keys/${apiKey.id}`]] as const) {
      const anonymous = await as(undefined).request(method, path, method === 'POST' ? { name: 'x' } : undefined);
      expect([method, anonymous.status, anonymous.body]).toEqual([method, 401, { error: expect.any(String) }]);
    }
  });

  it('the secret is stored only as its hash: not in the api_keys table, the event log or any service log', async () => {
    const { apiKey, secret } = await createKey(alice, { name: 'stored' });
    const body = secret.slice(apiKey.prefix.length);
    const rows = await system.db.query('SELECT * FROM api_keys');
    const row = rows.find((r) => r.id === apiKey.id) as Record<string, unknown>;
    expect(row).toBeDefined();
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(body);
    // What is stored is the secret's hash (so the secret can be recognised, never recovered).
    expect(row.secret_hash).toBe(sha256(secret));

    const consumer = await system.js.consumers.get(STREAMS.events, { filter_subjects: SUBJECTS.apiKeyEvents(apiKey.id), deliver_policy: DeliverPolicy.All });
    const events: string[] = [];
    for await (const msg of await consumer.fetch({ max_messages: 100, expires: 2_000 })) {
      events.push(msg.string());
      if (msg.info.pending === 0) break;
    }
    expect(events.length).toBeGreaterThan(0);
    expect(events.join('\n')).not.toContain(body);

    // Use it on every service (bearer, cookie, query parameter), then read every log.
    expect((await as(secret).get('/v1/agent-runs')).status).toBe(200);
    expect((await sse(`${system.gateway!.url}/api/v1/agents/${waiting}/stream?access_token=${secret}`)).status).toBe(200);
    expect((await sse(`${system.gateway!.url}/v1/agent-runs/${waiting}/stream`, { token: secret })).status).toBe(200);
    expect((await as(secret).get(`/api/v1/agents/${waiting}/artifacts`)).status).toBe(200);
    await sleep(500);
    const services = [system.gateway!, ...system.runServices, ...system.streamServices, ...system.artifactServices, ...system.workers];
    const leaks = services.filter((s) => readFileSync(s.logFile, 'utf8').includes(body)).map((s) => s.logFile);
    expect(leaks).toEqual([]);
  });

  it('…also when the key is created with an Idempotency-Key (the idempotency records hold no secret)', async () => {
    const idempotencyKey = randomUUID();
    const { apiKey, secret } = await createKey(alice, { name: 'idempotent' }, { 'idempotency-key': idempotencyKey });
    const body = secret.slice(apiKey.prefix.length);
    const kv = await new Kvm(system.nc).open('RUNSTREAM_IDEMPOTENCY');
    /** Where in a JSON value a string occurs (paths). */
    const pathsHolding = (value: unknown, path = '$'): string[] =>
      typeof value === 'string'
        ? (value.includes(body) ? [path] : [])
        : value && typeof value === 'object'
          ? Object.entries(value).flatMap(([k, v]) => pathsHolding(v, `${path}.${k}`))
          : [];
    const holding: string[] = [];
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (entry?.string().includes(body)) holding.push(...pathsHolding(entry.json()).map((at) => `RUNSTREAM_IDEMPOTENCY ${key.slice(0, 8)}… ${at}`));
    }
    expect(holding).toEqual([]);
  });

  it('a key cannot obtain a key\'s secret by replaying its creator\'s Idempotency-Key (403, no secret)', async () => {
    const idempotencyKey = randomUUID();
    const request = { name: 'deploy' };
    const full = await createKey(alice, request, { 'idempotency-key': idempotencyKey });
    expect(full.apiKey.scopes).toEqual(['workflow:run']);
    const { secret: readOnly } = await createKey(alice, { name: 'read only', scopes: [] });
    // Same caller (the key acts as Alice), same request, same key: what does the read-only key get?
    const replay = await as(readOnly).post('/v1/api-keys', request, { 'idempotency-key': idempotencyKey });
    expect({ status: replay.status, body: replay.body, replayed: replay.headers.get('idempotent-replayed') }).toEqual({
      status: 403,
      body: { error: expect.any(String) },
      replayed: null,
    });
    expect(JSON.stringify(replay.body)).not.toContain(full.secret);
  });

  it('a key acts as its creator, within their org and project, on every dialect (SSE and artifact routes included)', async () => {
    const { secret: key } = await createKey(alice, { name: 'everywhere' });
    const base = system.gateway!.url;

    // Travelmode: a thread and a run of the creator's, its events, typed artifacts and the cookie-only stream.
    const thread = await as(key).post('/v1/threads', { title: 'By key' });
    expect(thread.status).toBe(201);
    expect(thread.body.thread).toMatchObject({ ownerId: 'usr_alice' });
    const tripId = thread.body.thread.id as number;
    const tm = await as(key).post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 1 day in Rome' });
    expect(tm.status).toBe(201);
    expect(tm.body.run).toMatchObject({ userId: 'usr_alice', tripId });
    const tmId = tm.body.run.id as string;
    expect((await as(key).post(`/v1/agent-runs/${tmId}/control`, { action: 'start' })).status).toBe(200);
    await until(key, `/v1/agent-runs/${tmId}`, (b) => b.run.status === 'completed');
    expect((await as(key).get(`/v1/agent-runs/${tmId}/events?since=0`)).body.runStatus).toBe('completed');
    const typed = await as(key).get(`/v1/agent-runs/${tmId}/artifacts`);
    expect(typed.status).toBe(200);
    expect(typed.body.artifacts.map((a: any) => a.artifactType)).toEqual(['candidates', 'proposals']);
    const first = typed.body.artifacts[0].id;
    expect((await as(key).get(`/v1/agent-runs/${tmId}/artifacts/${first}`)).body.artifact).toMatchObject({ id: first, content: expect.anything() });
    expect((await as(key).patch(`/v1/agent-runs/${tmId}/artifacts/${first}`, { isPinned: true })).body.artifact).toMatchObject({ id: first, isPinned: true });
    const tmStream = await SseConnection.open(`${base}/v1/agent-runs/${tmId}/stream?since=0`, { token: key });
    expect(tmStream.status).toBe(200);
    await tmStream.done;
    expect(tmStream.frames.at(-1)).toMatchObject({ type: 'run_finished', status: 'completed' });
    // Cookie only there, whoever's credential: a bearer (a key too) is refused.
    expect((await sse(`${base}/v1/agent-runs/${tmId}/stream`, { bearer: key })).status).toBe(401);

    // Seed 003: a run over the thread, created by the key's creator, in the creator's org.
    expect((await as(key).post(`/v1/threads/${tripId}/messages`, { role: 'user', content: 'Plan 2 days in Paris' })).status).toBe(201);
    const r3 = await as(key).post(`/v1/threads/${tripId}/runs`, {});
    expect(r3.status).toBe(201);
    const r3Id = r3.body.run_id as string;
    await until(key, `/v1/runs/${r3Id}`, (b) => b.status === 'completed');
    expect((await as(key).get(`/v1/runs/${r3Id}`)).body).toMatchObject({ org_id: 'org_a', created_by_user_id: 'usr_alice', created_by_user_name: 'Alice', created_by_email: 'alice@example.com' });
    const r3Stream = await SseConnection.open(`${base}/v1/runs/${r3Id}/events?after_seq=0`, { bearer: key });
    expect(r3Stream.status).toBe(200);
    await r3Stream.done;
    expect(r3Stream.frames.at(-1)).toMatchObject({ type: 'run.completed' });
    expect((await as(key).get(`/v1/threads/${tripId}/runs`)).body.map((r: any) => r.run_id)).toContain(r3Id);

    // Vertesia: a run in the creator's account and project, its messages, stream and files.
    const vx = await as(key).post('/api/v1/agents', rome);
    expect(vx.status).toBe(201);
    expect(vx.body).toMatchObject({ account: 'org_a', project: 'proj_1', started_by: 'user:usr_alice', visibility: 'project' });
    const vxId = vx.body.id as string;
    await until(key, `/api/v1/agents/${vxId}`, (b) => b.status === 'completed');
    expect((await as(key).get(`/api/v1/agents/${vxId}/updates`)).body.messages.at(-1)).toMatchObject({ type: 'complete' });
    for (const stream of [{ url: `${base}/api/v1/agents/${vxId}/stream`, options: { bearer: key } }, { url: `${base}/api/v1/agents/${vxId}/stream?access_token=${key}`, options: {} }]) {
      const s = await SseConnection.open(stream.url, stream.options);
      expect(s.status).toBe(200);
      await s.done;
      expect(s.frames.at(-1)).toMatchObject({ type: 'complete' });
    }
    const put = await as(key).request('PUT', `/api/v1/agents/${vxId}/artifacts/out/by-key.csv`, 'a,b\n1,2\n', { 'content-type': 'text/csv' });
    expect(put.status).toBe(201);
    expect((await as(key).get(`/api/v1/agents/${vxId}/artifacts/out/by-key.csv`)).body).toBe('a,b\n1,2\n');
    expect((await as(key).get(`/api/v1/agents/${vxId}/artifacts`)).body).toEqual(['out/by-key.csv']);
    const signed = await as(key).get(`/api/v1/agents/${vxId}/artifacts/out/by-key.csv?url=1`);
    expect(signed.status).toBe(200);
    expect(await (await fetch(signed.body.url)).text()).toBe('a,b\n1,2\n');
    expect((await as(key).get('/api/v1/interactions')).status).toBe(200);

    // Straight to the stream- and artifact-service (an ingress routes there): the key works there too.
    expect(await sse(`${system.streamServices[0]!.url}/v1/runs/${r3Id}/events`, { bearer: key })).toEqual({ status: 200, body: eventStream });
    expect((await new ApiClient(system.artifactServices[0]!.url, key).get(`/api/v1/agents/${vxId}/artifacts/out/by-key.csv`)).status).toBe(200);

    // It sees exactly what its creator sees: every list is the same as with the creator's token.
    const ids = async (token: string) => ({
      travelmode: (await as(token).get('/v1/agent-runs?limit=100')).body.runs.map((r: any) => r.id),
      org: (await as(token).get('/v1/runs?limit=100')).body.map((r: any) => r.run_id),
      project: (await as(token).get('/api/v1/agents?limit=200')).body.items.map((r: any) => r.id),
      threads: (await as(token).get('/v1/threads?limit=100')).body.threads.map((t: any) => t.id),
    });
    const withKey = await ids(key);
    expect(withKey).toEqual(await ids(alice));
    expect(withKey.project).toEqual(expect.arrayContaining([vxId, waiting, others.bobProject]));
    // A teammate's project run: visible; a teammate's private run or another org's: as missing as an unknown one.
    expect((await as(key).get(`/api/v1/agents/${others.bobProject}`)).status).toBe(200);
    const unknown = await as(key).get(`/api/v1/agents/${randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, body: { error: expect.any(String) } });
    for (const hidden of [others.bobPrivate, others.mallory]) {
      const res = await as(key).get(`/api/v1/agents/${hidden}`);
      expect({ status: res.status, body: res.body }).toEqual({ status: unknown.status, body: unknown.body });
    }
  });

  it('a key works within the org and project it was created in, whatever the creator uses later', async () => {
    const inProj1 = await createKey(alice, { name: 'proj_1' });
    const inProj2 = await createKey(aliceInProj2, { name: 'proj_2' });
    expect(inProj2.apiKey).toMatchObject({ org: 'org_a', project: 'proj_2' });
    const made = await as(inProj2.secret).post('/api/v1/agents', rome);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ account: 'org_a', project: 'proj_2', started_by: 'user:usr_alice' });
    const listed = async (key: string) => (await as(key).get('/api/v1/agents?limit=200')).body.items.map((r: any) => r.id);
    expect(await listed(inProj2.secret)).toContain(made.body.id);
    expect(await listed(inProj2.secret)).not.toContain(waiting);
    expect(await listed(inProj1.secret)).toContain(waiting);
    expect(await listed(inProj1.secret)).not.toContain(made.body.id);
  });

  it('scopes are at most the creator\'s (more → 403); a key without workflow:run reads but cannot create or control runs (403; 404 still wins)', async () => {
    const beyond = await as(alice).post('/v1/api-keys', { name: 'too much', scopes: ['workflow:run', 'admin:all'] });
    expect(beyond).toMatchObject({ status: 403, body: { error: expect.stringContaining('admin:all') } });
    const readerAsks = await as(aliceReader).post('/v1/api-keys', { name: 'reader wants more', scopes: ['workflow:run'] });
    expect(readerAsks).toMatchObject({ status: 403, body: { error: expect.stringContaining('workflow:run') } });
    expect((await createKey(aliceReader, { name: "a reader's key" })).apiKey.scopes).toEqual([]);
    expect((await createKey(alice, { name: 'explicit', scopes: ['workflow:run'] })).apiKey.scopes).toEqual(['workflow:run']);

    const { apiKey, secret: readOnly } = await createKey(alice, { name: 'read only', scopes: [] });
    expect(apiKey.scopes).toEqual([]);
    const base = system.gateway!.url;
    // Reads.
    for (const path of [`/v1/agent-runs/${waiting}`, `/v1/agent-runs/${waiting}/events`, `/v1/runs/${waiting}`, `/api/v1/agents/${waiting}`, `/api/v1/agents/${waiting}/updates`,
      `/api/v1/agents/${waiting}/query/AgentPlan`, `/api/v1/agents/${waiting}/artifacts`, `/api/v1/agents/${waiting}/artifacts/report.txt`, '/v1/agent-runs', '/v1/runs', '/api/v1/agents']) {
      const res = await as(readOnly).get(path);
      expect([path, res.status]).toEqual([path, 200]);
    }
    expect(await sse(`${base}/api/v1/agents/${waiting}/stream`, { bearer: readOnly })).toEqual({ status: 200, body: eventStream });
    expect(await sse(`${base}/v1/runs/${waiting}/events`, { bearer: readOnly })).toEqual({ status: 200, body: eventStream });

    // Creating and controlling runs.
    const tripId = (await as(readOnly).post('/v1/threads', { title: 'Threads need no scope' })).body.thread.id as number;
    const writes: [string, () => Promise<{ status: number; body: any }>][] = [
      ['POST /v1/agent-runs', () => as(readOnly).post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 1 day in Rome' })],
      ['POST /v1/threads/{id}/runs', () => as(readOnly).post(`/v1/threads/${tripId}/runs`, {})],
      ['POST /api/v1/agents', () => as(readOnly).post('/api/v1/agents', rome)],
      ['POST /v1/agent-runs/{id}/control cancel', () => as(readOnly).post(`/v1/agent-runs/${waiting}/control`, { action: 'cancel' })],
      ['POST /v1/agent-runs/{id}/signal/Note', () => as(readOnly).post(`/v1/agent-runs/${waiting}/signal/Note`, { x: 1 })],
      ['POST /v1/agent-runs/{id}/input', () => as(readOnly).post(`/v1/agent-runs/${waiting}/input`, { content: 'Lisbon' })],
      ['POST /v1/runs/{id}:cancel', () => as(readOnly).post(`/v1/runs/${waiting}:cancel`)],
      ['DELETE /api/v1/agents/{id}', () => as(readOnly).request('DELETE', `/api/v1/agents/${waiting}`)],
      ['POST /api/v1/agents/{id}/fork', () => as(readOnly).post(`/api/v1/agents/${waiting}/fork`)],
      ['PUT /api/v1/agents/{id}/artifacts/{path}', () => as(readOnly).request('PUT', `/api/v1/agents/${waiting}/artifacts/by-reader.txt`, 'x', { 'content-type': 'text/plain' })],
      ['PUT …/artifacts/{path} (signed upload URL)', () => as(readOnly).request('PUT', `/api/v1/agents/${waiting}/artifacts/by-reader.txt`, '', { accept: 'application/json' })],
    ];
    for (const [name, send] of writes) {
      const res = await send();
      expect([name, res.status, res.body]).toEqual([name, 403, { error: expect.stringContaining('workflow:run') }]);
    }
    // Nothing happened to the run.
    expect((await as(alice).get(`/v1/agent-runs/${waiting}`)).body.run.status).toBe('waiting_for_input');
    // 404 wins over 403 for a run the key may not see.
    for (const hidden of [others.bobPrivate, others.mallory, randomUUID()]) {
      const res = await as(readOnly).request('DELETE', `/api/v1/agents/${hidden}`);
      expect([hidden, res.status, res.body]).toEqual([hidden, 404, { error: 'run not found' }]);
    }
  });

  it('a key cannot create keys (403), whatever scopes it asks for', async () => {
    const { secret } = await createKey(alice, { name: 'no minting' });
    const before = (await as(alice).get('/v1/api-keys')).body.apiKeys.length;
    for (const body of [{ name: 'child' }, { name: 'child', scopes: [] }, { name: 'child', scopes: ['workflow:run'] }]) {
      const res = await as(secret).post('/v1/api-keys', body);
      expect([body, res.status, res.body]).toEqual([body, 403, { error: expect.any(String) }]);
    }
    expect((await as(alice).get('/v1/api-keys')).body.apiKeys.length).toBe(before);
  });

  it('DELETE of another user\'s key id is 404, like an unknown id, and leaves the key working', async () => {
    const { apiKey, secret } = await createKey(alice, { name: 'not bob\'s' });
    const unknown = await as(bob).request('DELETE', `/v1/api-keys/${randomUUID()}`);
    expect(unknown).toMatchObject({ status: 404, body: { error: expect.any(String) } });
    const foreign = await as(bob).request('DELETE', `/v1/api-keys/${apiKey.id}`);
    expect({ status: foreign.status, body: foreign.body }).toEqual({ status: unknown.status, body: unknown.body });
    expect((await as(mallory).request('DELETE', `/v1/api-keys/${apiKey.id}`)).status).toBe(404);
    expect((await as(bob).request('DELETE', '/v1/api-keys/not-a-key')).status).toBe(404);
    await sleep(300);
    expect((await as(secret).get('/v1/agent-runs')).status).toBe(200);
    expect((await as(alice).get('/v1/api-keys')).body.apiKeys.find((k: any) => k.id === apiKey.id).revokedAt).toBeNull();
  });

  it('DELETE /v1/api-keys/{id} revokes: 401 on every route of every process within a second, on a second gateway too', async () => {
    secondGateway = await system.startService('gateway', {
      STREAM_SERVICE_URL: system.streamServices[0]!.url,
      ARTIFACT_SERVICE_URL: system.artifactServices[0]!.url,
    });
    // Created after the second gateway started: it follows the keys live.
    const { apiKey, secret } = await createKey(alice, { name: 'to revoke' });
    const { secret: sibling } = await createKey(alice, { name: 'stays' });
    const one = system.gateway!.url;
    const two = secondGateway.url;
    await waitFor('the second gateway knows the new key', async () => (await new ApiClient(two, secret).get('/v1/agent-runs')).status === 200, 10_000, 20);

    const routes = (gateway: string, label: string): [string, () => Promise<{ status: number; body: unknown }>][] => [
      [`${label} GET /v1/agent-runs`, () => new ApiClient(gateway, secret).get('/v1/agent-runs')],
      [`${label} GET /v1/agent-runs/{id} (cookie)`, () => new ApiClient(gateway, secret, 'cookie').get(`/v1/agent-runs/${waiting}`)],
      [`${label} GET /v1/runs/{id}`, () => new ApiClient(gateway, secret).get(`/v1/runs/${waiting}`)],
      [`${label} GET /api/v1/agents/{id}`, () => new ApiClient(gateway, secret).get(`/api/v1/agents/${waiting}`)],
      [`${label} POST /v1/agent-runs/{id}/signal/Note`, () => new ApiClient(gateway, secret).post(`/v1/agent-runs/${waiting}/signal/Note`, { n: 1 })],
      [`${label} GET /v1/api-keys`, () => new ApiClient(gateway, secret).get('/v1/api-keys')],
      [`${label} GET /v1/agent-runs/{id}/artifacts`, () => new ApiClient(gateway, secret).get(`/v1/agent-runs/${waiting}/artifacts`)],
      [`${label} GET /api/v1/agents/{id}/artifacts/{path}`, () => new ApiClient(gateway, secret).get(`/api/v1/agents/${waiting}/artifacts/report.txt`)],
      [`${label} SSE /v1/agent-runs/{id}/stream (cookie)`, () => sse(`${gateway}/v1/agent-runs/${waiting}/stream`, { token: secret })],
      [`${label} SSE /v1/runs/{id}/events`, () => sse(`${gateway}/v1/runs/${waiting}/events`, { bearer: secret })],
      [`${label} SSE /api/v1/agents/{id}/stream?access_token`, () => sse(`${gateway}/api/v1/agents/${waiting}/stream?access_token=${secret}`)],
    ];
    const everywhere = [
      ...routes(one, 'gateway 1'),
      ...routes(two, 'gateway 2'),
      ['stream-service SSE /api/v1/agents/{id}/stream', () => sse(`${system.streamServices[0]!.url}/api/v1/agents/${waiting}/stream`, { bearer: secret })],
      ['artifact-service GET /api/v1/agents/{id}/artifacts', () => new ApiClient(system.artifactServices[0]!.url, secret).get(`/api/v1/agents/${waiting}/artifacts`)],
    ] as [string, () => Promise<{ status: number; body: unknown }>][];
    // Before: accepted everywhere.
    const before: unknown[] = [];
    for (const [name, send] of everywhere) before.push([name, (await send()).status]);
    expect(before).toEqual(everywhere.map(([name]) => [name, 200]));

    const revoked = await as(alice).request('DELETE', `/v1/api-keys/${apiKey.id}`);
    const answeredAt = Date.now();
    expect(revoked.status).toBe(200);
    expect(revoked.body.apiKey).toMatchObject({ id: apiKey.id, revokedAt: expect.any(String) });

    // The first 401 on the gateway that did not revoke it.
    const second = new ApiClient(two, secret);
    let firstRefusal: number | null = null;
    while (Date.now() - answeredAt < 5_000) {
      if ((await second.get('/v1/agent-runs')).status === 401) {
        firstRefusal = Date.now() - answeredAt;
        break;
      }
      await sleep(5);
    }
    expect(firstRefusal).not.toBeNull();
    console.info(`revocation: first 401 on the second gateway ${firstRefusal} ms after the DELETE answer`);
    expect(firstRefusal!).toBeLessThan(1_000);

    // Every route of every process refuses it within a second of the answer (each polled on its own).
    const refusals = await Promise.all(
      everywhere.map(async ([name, send]) => {
        for (;;) {
          const res = await send();
          const elapsed = Date.now() - answeredAt;
          if (res.status === 401 || elapsed > 3_000) return [name, res.status, res.body, elapsed < 1_000 ? 'within a second' : `after ${elapsed} ms`];
          await sleep(10);
        }
      }),
    );
    expect(refusals).toEqual(everywhere.map(([name]) => [name, 401, { error: expect.any(String) }, 'within a second']));

    // Revoking twice is once; the list keeps it with revokedAt; the creator and their other keys are unaffected.
    const again = await as(alice).request('DELETE', `/v1/api-keys/${apiKey.id}`);
    expect(again.status).toBe(200);
    expect(again.body.apiKey.revokedAt).toBe(revoked.body.apiKey.revokedAt);
    expect((await as(alice).get('/v1/api-keys')).body.apiKeys.find((k: any) => k.id === apiKey.id)).toMatchObject({ revokedAt: revoked.body.apiKey.revokedAt });
    expect((await new ApiClient(two, sibling).get('/v1/agent-runs')).status).toBe(200);
    expect((await new ApiClient(two, alice).get('/v1/agent-runs')).status).toBe(200);
    // A gateway started after the revocation refuses it as well (it folds the whole key log).
    await secondGateway.stop();
    secondGateway = await system.startService('gateway', { STREAM_SERVICE_URL: system.streamServices[0]!.url, ARTIFACT_SERVICE_URL: system.artifactServices[0]!.url });
    expect((await new ApiClient(secondGateway.url, secret).get('/v1/agent-runs')).status).toBe(401);
    expect((await new ApiClient(secondGateway.url, sibling).get('/v1/agent-runs')).status).toBe(200);
  });
});
