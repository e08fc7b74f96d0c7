import { STREAMS } from '#contracts';
import { rawRequest } from './support/artifacts';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * What no client may get into the log: text Postgres cannot store, JSON too deep or with
 * prototype keys, bodies that are not JSON, crafted cursors and names. Each is a clear 4xx with
 * `{ error }`, and RUN_EVENTS is exactly as it was.
 */
describe('hostile input', () => {
  let system: TestSystem;
  const user = 'usr_hostile';
  let tripId: number;
  let runId: string;

  beforeAll(async () => {
    // The test client connects from loopback: a proxy list without it makes it a client like any other.
    system = await TestSystem.start({ workers: 0, gatewayEnv: { TRUSTED_PROXIES: '10.255.255.1' } });
    tripId = await system.thread(user);
    runId = (await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage: 'hostile' })).body.run.id;
  });
  afterAll(() => system?.stop());

  const logEnd = async () => (await system.jsm.streams.info(STREAMS.events)).state.last_seq;

  /** Sends it, expects `status` with an `{ error }` body, and proves the log did not move. */
  const refused = async (status: number, send: () => Promise<{ status: number; body: any }>) => {
    const before = await logEnd();
    const res = await send();
    expect({ status: res.status, hasError: res.body?.error !== undefined }).toEqual({ status, hasError: true });
    expect(await logEnd()).toBe(before);
    return res;
  };

  const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nested(depth - 1) });

  it('refuses text Postgres cannot store, in any dialect', async () => {
    const api = system.api(user);
    const nul = 'Rome\u0000';
    await refused(400, () => api.post('/v1/agent-runs', { tripId, triggerMessage: nul }));
    await refused(400, () => api.post('/v1/threads', { title: nul }));
    await refused(400, () => api.patch(`/v1/threads/${tripId}`, { metadata: { note: nul } }));
    await refused(400, () => api.post(`/v1/agent-runs/${runId}/control`, { action: 'cancel', reason: nul }));
    await refused(400, () => api.post(`/v1/threads/${tripId}/messages`, { role: 'user', content: nul }));
    await refused(400, () => api.post('/api/v1/agents', { interaction: 'trip-planner', data: { city: nul } }));
    // The message names the field's problem and never echoes what was sent.
    const res = await refused(400, () => api.post('/v1/threads', { title: 'x', metadata: { ['\u0000key']: 1 } }));
    expect(JSON.stringify(res.body)).not.toContain('\\u0000');
    // A lone surrogate is valid JSON (`"\ud800"`) but not Unicode: Postgres' json refuses it (found by the fuzzer).
    const lone = 'Rome\ud800';
    await refused(400, () => api.post('/v1/threads', { title: lone }));
    await refused(400, () => api.patch(`/v1/threads/${tripId}`, { metadata: { [lone]: 1 } }));
    await refused(400, () => api.post('/v1/agent-runs', { tripId, triggerMessage: lone }));
    // An emoji (a surrogate pair) is text like any other.
    expect((await api.post('/v1/threads', { title: 'Rome 🚆' })).status).toBe(201);
  });

  it('refuses JSON nested too deep, prototype keys and overlong keys', async () => {
    const api = system.api(user);
    await refused(400, () => api.patch(`/v1/threads/${tripId}`, { metadata: nested(40) }));
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      await refused(400, () => api.request('PATCH', `/v1/threads/${tripId}`, `{"metadata":{"${key}":{"admin":true}}}`));
    }
    await refused(400, () => api.patch(`/v1/threads/${tripId}`, { metadata: { ['k'.repeat(300)]: 1 } }));
    // Just inside the limits is taken.
    expect((await api.patch(`/v1/threads/${tripId}`, { metadata: { deep: nested(20), ['k'.repeat(200)]: 1 } })).status).toBe(200);
  });

  it('refuses a write whose body is not JSON with 415', async () => {
    const api = system.api(user);
    const raw = { tripId, triggerMessage: 'as form' };
    await refused(415, () => api.request('POST', '/v1/agent-runs', JSON.stringify(raw), { 'content-type': 'text/plain' }));
    await refused(415, () => api.request('POST', '/v1/agent-runs', `tripId=${tripId}&triggerMessage=x`, { 'content-type': 'application/x-www-form-urlencoded' }));
    await refused(415, () => api.request('POST', '/v1/threads', '{"title":"x"}', { 'content-type': 'multipart/form-data; boundary=x' }));
    // JSON with parameters and vendor JSON types are JSON.
    expect((await api.request('POST', '/v1/threads', '{"title":"charset"}', { 'content-type': 'application/json; charset=utf-8' })).status).toBe(201);
    await refused(400, () => api.request('POST', '/v1/threads', '{"title":', { 'content-type': 'application/json' }));
  });

  it('refuses crafted query strings and cursors', async () => {
    const api = system.api(user);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    await refused(400, () => api.get('/v1/agent-runs?status=%00'));
    for (const cursor of ['garbage', b64({ a: 1 }), b64(['not a time', runId]), b64(['2026-13-45T00:00:00.000Z', runId]), b64([1, 2, 3])]) {
      await refused(400, () => api.get(`/v1/agent-runs?cursor=${encodeURIComponent(cursor)}`));
      await refused(400, () => api.get(`/v1/threads?cursor=${encodeURIComponent(cursor)}`));
    }
  });

  it('answers a query name that is not a plain name as unknown, without asking any worker', async () => {
    const api = system.api(user);
    for (const name of ['status.internal', '*', '>']) {
      const res = await api.get(`/v1/agent-runs/${runId}/query/${encodeURIComponent(name)}`);
      expect({ status: res.status, error: res.body?.error !== undefined }).toEqual({ status: 404, error: true });
    }
  });

  it('refuses a disposition that would be written into a response header', async () => {
    const token = tokenFor(user);
    const put = await rawRequest(system.gateway!.url, 'PUT', `/api/v1/agents/${runId}/artifacts/a.txt`, {
      token,
      body: Buffer.from('hello'),
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBe(201);
    for (const disposition of ['inline%0d%0aSet-Cookie:%20x=1', 'form-data', 'attachment;%20filename=evil.exe']) {
      const res = await rawRequest(system.gateway!.url, 'GET', `/api/v1/agents/${runId}/artifacts/a.txt?disposition=${disposition}`, { token });
      expect(res.status).toBe(400);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('never signs a URL for a host the client forged', async () => {
    const res = await system
      .api(user)
      .get(`/api/v1/agents/${runId}/artifacts/a.txt?url=1`, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(new URL(res.body.url as string).origin).toBe(system.gateway!.url);
  });
});
