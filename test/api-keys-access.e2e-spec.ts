import { randomUUID } from 'node:crypto';
import { ApiClient } from './support/api-client';
import { alice, aliceInProj2, aliceReader, createKeyTargets, eventStream, keyHelpers, rome, sse, type KeyTargets } from './support/api-keys-fixtures';
import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';

/** What an API key may do: act as its creator on every dialect (SSE and artifact routes included), within the org and project it was made in, with at most the creator's scopes. */
describe('API keys', () => {
  let system: TestSystem;
  const { as, createKey, until } = keyHelpers(() => system);
  let waiting = '';
  let others: KeyTargets['others'];

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    ({ waiting, others } = await createKeyTargets(system));
  });
  afterAll(() => system?.stop());

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
});
