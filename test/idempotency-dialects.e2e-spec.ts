import { randomUUID } from 'node:crypto';
import { rawRequest } from './support/artifacts';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';

/** Idempotency-Key on the mutating routes of seed 003, Vertesia and the proxied artifact routes. */
describe('Idempotency-Key in every dialect', () => {
  let system: TestSystem;
  const token = signToken({ sub: 'usr_idem', org: 'org_i', project: 'p', scope: 'workflow:run' });
  const as = () => system.api().as(token);
  const withKey = (k: string) => ({ 'Idempotency-Key': k });
  const key = () => `key-${randomUUID()}`;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
  });
  afterAll(() => system?.stop());

  it('POST /api/v1/agents twice with one key: one run, the same answer, marked replayed; another body is 422', async () => {
    const k = key();
    const body = { interaction: 'trip-planner', data: { task: 'Plan 1 day in Rome' } };
    const first = await as().post('/api/v1/agents', body, withKey(k));
    const second = await as().post('/api/v1/agents', body, withKey(k));
    expect(first.status).toBe(201);
    expect({ status: second.status, body: second.body, replayed: second.headers.get('idempotent-replayed') }).toEqual({ status: 201, body: first.body, replayed: 'true' });
    const mine = (await as().get('/api/v1/agents?limit=200')).body.items.filter((r: any) => r.data?.task === 'Plan 1 day in Rome');
    expect(mine.map((r: any) => r.id)).toEqual([first.body.id]);
    expect((await as().post('/api/v1/agents', { ...body, tags: ['x'] }, withKey(k))).status).toBe(422);
  });

  it('POST /v1/threads/{id}/runs and POST …/messages twice with one key: one run, one message', async () => {
    const threadId = (await as().post('/v1/threads', { title: 't' })).body.thread.id as number;
    const mk = key();
    const m1 = await as().post(`/v1/threads/${threadId}/messages`, { role: 'user', content: 'Plan 2 days in Paris' }, withKey(mk));
    const m2 = await as().post(`/v1/threads/${threadId}/messages`, { role: 'user', content: 'Plan 2 days in Paris' }, withKey(mk));
    expect(m2.body).toEqual(m1.body);
    const rk = key();
    const r1 = await as().post(`/v1/threads/${threadId}/runs`, {}, withKey(rk));
    const r2 = await as().post(`/v1/threads/${threadId}/runs`, {}, withKey(rk));
    expect(r2.body).toEqual(r1.body);
    expect((await as().get(`/v1/threads/${threadId}/runs`)).body.map((r: any) => r.run_id)).toEqual([r1.body.run_id]);
    const messages = (await as().get(`/v1/threads/${threadId}/messages`)).body.filter((m: any) => m.role === 'user');
    expect(messages).toHaveLength(1);
  });

  it('a proxied artifact upload twice with one key is recorded once; the retry answers the first upload', async () => {
    const run = (await as().post('/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' } })).body;
    const base = system.gateway!.url;
    const k = key();
    const put = () => rawRequest(base, 'PUT', `/api/v1/agents/${run.id}/artifacts/notes.txt`, { token, body: Buffer.from('first'), headers: { 'content-type': 'text/plain', ...withKey(k) } });
    const first = await put();
    const second = await put();
    expect(first.status).toBe(201);
    expect({ status: second.status, body: second.body }).toEqual({ status: 201, body: first.body });
    const log = await readRunLog(system.js, run.id);
    expect(log.filter((e) => e.type === 'RunArtifactCreated')).toHaveLength(1);
    // The same key with another length of body is another request.
    const other = await rawRequest(base, 'PUT', `/api/v1/agents/${run.id}/artifacts/notes.txt`, { token, body: Buffer.from('second!'), headers: { 'content-type': 'text/plain', ...withKey(k) } });
    expect(other.status).toBe(422);
  });
});
