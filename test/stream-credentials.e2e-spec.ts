import { ApiClient } from './support/api-client';
import { alice, keyHelpers } from './support/api-keys-fixtures';
import { SseConnection, sleep } from './support/sse';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';

/**
 * An open stream lives no longer than the credential that opened it: revoking an API key ends
 * every stream it opened, on every dialect, within a second; a token's stream ends when the token
 * expires. Streams opened with other credentials are untouched.
 */
describe('open streams and their credentials', () => {
  let system: TestSystem;
  const { createKey, as } = keyHelpers(() => system);

  beforeAll(async () => {
    // No worker: the run stays pending, so its streams stay open until something ends them.
    // Tokens are accepted 1 s past their exp here (60 s by default), so one expires within the test.
    system = await TestSystem.start({ workers: 0, env: { JWT_CLOCK_SKEW_SECONDS: '1' }, streamServiceEnv: { STREAM_HEARTBEAT_MS: '500' } });
  });
  afterAll(() => system?.stop());

  const pendingRun = async (): Promise<string> => {
    const api = as(alice);
    const thread = await api.post('/v1/threads', { title: 'streams' });
    const run = await api.post('/v1/agent-runs', { tripId: thread.body.thread.id, triggerMessage: 'Plan 1 day in Rome' });
    expect(run.status).toBe(201);
    return run.body.run.id as string;
  };

  const endedWithin = async (stream: SseConnection, ms: number): Promise<number> => {
    const started = Date.now();
    await Promise.race([stream.done, sleep(ms)]);
    expect(stream.endedBy).toBe('server');
    return Date.now() - started;
  };

  it('ends every stream an API key opened when the key is revoked, and no other', async () => {
    const runId = await pendingRun();
    const { apiKey, secret } = await createKey(alice, { name: 'streaming' });
    const { secret: sibling } = await createKey(alice, { name: 'stays' });
    const gateway = system.gateway!.url;
    const byKey = [
      await SseConnection.open(`${gateway}/v1/agent-runs/${runId}/stream`, { token: secret }),
      await SseConnection.open(`${gateway}/v1/runs/${runId}/events`, { bearer: secret }),
      await SseConnection.open(`${gateway}/api/v1/agents/${runId}/stream?access_token=${secret}`),
    ];
    const others = [
      await SseConnection.open(`${gateway}/v1/runs/${runId}/events`, { bearer: sibling }),
      await SseConnection.open(`${gateway}/v1/runs/${runId}/events`, { bearer: alice }),
    ];
    expect([...byKey, ...others].map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);

    expect((await as(alice).request('DELETE', `/v1/api-keys/${apiKey.id}`)).status).toBe(200);
    for (const stream of byKey) expect(await endedWithin(stream, 2_000)).toBeLessThan(2_000);
    // Travelmode says why in an `error` frame; the other dialects have none and just end.
    expect(byKey[0]!.frames.at(-1)).toMatchObject({ type: 'error', error: expect.stringMatching(/revoked/) });
    // The others keep streaming (their heartbeats keep arriving).
    const lengths = others.map((s) => s.text.length);
    await sleep(1_200);
    others.forEach((s, i) => {
      expect(s.endedBy).toBeNull();
      expect(s.text.length).toBeGreaterThan(lengths[i]!);
    });
    // And the revoked key cannot reopen one.
    expect((await SseConnection.open(`${gateway}/v1/runs/${runId}/events`, { bearer: secret })).status).toBe(401);
    others.forEach((s) => s.abort());
  });

  it('ends a stream when the token that opened it expires', async () => {
    const runId = await pendingRun();
    const now = Math.floor(Date.now() / 1000);
    const shortLived = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_1', scope: 'workflow:run', exp: now + 3 });
    const expiring = await SseConnection.open(`${system.gateway!.url}/v1/agent-runs/${runId}/stream`, { token: shortLived });
    const lasting = await SseConnection.open(`${system.gateway!.url}/v1/runs/${runId}/events`, { bearer: alice });
    expect([expiring.status, lasting.status]).toEqual([200, 200]);
    await endedWithin(expiring, 7_000);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(now + 3 + 1);
    expect(expiring.frames.at(-1)).toMatchObject({ type: 'error', error: expect.stringMatching(/expired/) });
    expect(lasting.endedBy).toBeNull();
    lasting.abort();
    expect((await new ApiClient(system.gateway!.url, shortLived).get(`/v1/runs/${runId}`)).status).toBe(401);
  });
});
