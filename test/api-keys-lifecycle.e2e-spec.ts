import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from './support/api-client';
import { alice, bob, createKeyTargets, keyHelpers, mallory, sha256, sse, type CreatedKey } from './support/api-keys-fixtures';
import { TestSystem } from './support/system';
import { waitFor, type ServiceProcess } from '../tools/harness';

/** API keys' life cycle: created (secret shown once, list without it), no key minted by a key, DELETE of another's key, and revocation seen by every process (a second gateway too) within a second. */
describe('API keys', () => {
  let system: TestSystem;
  let secondGateway: ServiceProcess | null = null;
  const { as, createKey } = keyHelpers(() => system);
  let waiting = '';

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    ({ waiting } = await createKeyTargets(system));
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
