import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { STREAMS, SUBJECTS } from '#contracts';
import { alice, createKeyTargets, keyHelpers, sha256, sse } from './support/api-keys-fixtures';
import { TestSystem } from './support/system';

/** API-key secrets: stored only as a hash (not in the api_keys table, the event log, any service log or the idempotency records), and not obtainable by replaying an Idempotency-Key. */
describe('API keys', () => {
  let system: TestSystem;
  const { as, createKey } = keyHelpers(() => system);
  let waiting = '';

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    ({ waiting } = await createKeyTargets(system));
  });
  afterAll(() => system?.stop());

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
});
