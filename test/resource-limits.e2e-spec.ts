import { connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/** Sends raw bytes to `url`'s host and collects the answer until the server closes (or `waitMs`). */
function rawExchange(url: string, bytes: string, waitMs: number): Promise<{ text: string; closedAfterMs: number | null }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = tcpConnect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: null });
    }, waitMs);
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.on('error', () => undefined);
  });
}

/**
 * One caller cannot take what others need: a request rate per principal (429 with Retry-After),
 * a cap on one principal's open streams, and a deadline on a request body that never arrives.
 */
describe('resource limits', () => {
  let system: TestSystem;
  const greedy = 'usr_limits_greedy';
  const other = 'usr_limits_other';

  beforeAll(async () => {
    system = await TestSystem.start({
      workerEnv: { TRIP_PLANNER_STEP_MS: '2000' },
      gatewayEnv: { RATE_LIMIT_REQUESTS: '40', RATE_LIMIT_WINDOW_SECONDS: '60', BODY_READ_TIMEOUT_MS: '600' },
      streamServiceEnv: { SSE_MAX_STREAMS_PER_PRINCIPAL: '2', RATE_LIMIT_REQUESTS: '0' },
    });
  });
  afterAll(() => system?.stop());

  it('answers one principal past its rate 429 { error } with Retry-After, other principals unaffected', async () => {
    const api = system.api(greedy);
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await api.get('/v1/threads')).status);
    expect(statuses.slice(0, 40).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429, 429]);
    const refused = await api.get('/v1/agent-runs');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: expect.any(String) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Writes too, keyed or not.
    expect((await api.post('/v1/threads', { title: 'limited' }, { 'idempotency-key': 'k-limited' })).status).toBe(429);
    // Another user of the same gateway is not slowed down.
    expect((await system.api(other).get('/v1/threads')).status).toBe(200);
    expect((await system.api(other).post('/v1/threads', { title: 'fine' })).status).toBe(201);
  });

  it('caps one principal\u2019s open streams (429 { error }), and frees the slot when a stream closes', async () => {
    const api = system.api(other);
    const tripId = await system.thread(other, 'streams');
    const runId = (await api.post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 2 days in Rome' })).body.run.id as string;
    const url = `${system.gateway!.url}/v1/agent-runs/${runId}/stream?since=0`;
    const first = await SseConnection.open(url, { token: tokenFor(other) });
    const second = await SseConnection.open(url, { token: tokenFor(other) });
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await SseConnection.open(url, { token: tokenFor(other) });
    expect({ status: third.status, body: third.body }).toEqual({ status: 429, body: { error: expect.any(String) } });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    first.abort();
    let reopened: SseConnection | null = null;
    for (let i = 0; i < 50 && reopened?.status !== 200; i++) {
      await sleep(50);
      reopened = await SseConnection.open(url, { token: tokenFor(other) });
    }
    expect(reopened?.status).toBe(200);
    second.abort();
    reopened?.abort();
  });

  it('answers a body that never arrives 408 { error } and closes the connection; nothing is created', async () => {
    const api = system.api(other);
    const before = (await api.get('/v1/threads')).body.threads.length as number;
    const token = tokenFor(other);
    const partial = '{"title":"never fin';
    const { text, closedAfterMs } = await rawExchange(
      system.gateway!.url,
      `POST /v1/threads HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n${partial}`,
      5_000,
    );
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ error: expect.any(String) });
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(3_000);
    expect((await api.get('/v1/threads')).body.threads.length).toBe(before);
    // A body that arrives in time, slowly, is fine.
    const slow = await rawExchange(
      system.gateway!.url,
      `POST /v1/threads HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n{"title":"slow"}`,
      5_000,
    );
    expect(slow.text).toMatch(/^HTTP\/1\.1 201 /);
  });
});
