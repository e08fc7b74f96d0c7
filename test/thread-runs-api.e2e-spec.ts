import { randomBytes } from 'node:crypto';
import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';
import { waitFor } from '../tools/harness';

/** Seed 003 (threads/runs) as its document shows it, through the real processes. */
describe('threads/runs API (seed 003)', () => {
  let system: TestSystem;
  const alice = signToken({ sub: 'usr_alice', org: 'org_a', scope: 'workflow:run', name: 'alice', email: 'alice@example.com' });
  const bob = signToken({ sub: 'usr_bob', org: 'org_a', project: 'research', scope: 'workflow:run' });
  const mallory = signToken({ sub: 'usr_mallory', org: 'org_b', scope: 'workflow:run' });
  const as = (token: string) => system.api().as(token);

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
  });
  afterAll(() => system?.stop());

  const thread = async (title = 'Trips') => (await as(alice).post('/v1/threads', { title })).body.thread.id as number;
  const say = (threadId: number, content: string, token = alice) => as(token).post(`/v1/threads/${threadId}/messages`, { role: 'user', content });
  const finished = (runId: string, token = alice) =>
    waitFor(`run ${runId} finished`, async () => {
      const res = await as(token).get(`/v1/runs/${runId}`);
      return ['completed', 'failed', 'cancelled'].includes(res.body.status) ? res.body : null;
    }, 20_000, 50);

  it('threads carry messages, ordered and paged', async () => {
    const threadId = await thread();
    const first = await say(threadId, 'Plan 3 days in Rome');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      message_id: expect.any(String), thread_id: threadId, seq: 1, role: 'user', content: 'Plan 3 days in Rome', run_id: null, created_at: expect.any(String),
    });
    await say(threadId, 'with kids');
    expect((await as(alice).get(`/v1/threads/${threadId}/messages`)).body.map((m: any) => m.content)).toEqual(['Plan 3 days in Rome', 'with kids']);
    expect((await as(alice).get(`/v1/threads/${threadId}/messages?after=1&limit=1`)).body.map((m: any) => m.seq)).toEqual([2]);
    expect((await as(alice).post(`/v1/threads/${threadId}/messages`, { role: 'assistant', content: 'no' })).status).toBe(400);
    // One thread, seen through both APIs: the native view is unchanged by messages (no revision bump).
    expect((await as(alice).get(`/v1/threads/${threadId}`)).body.thread).toMatchObject({ id: threadId, revision: 1 });
  });

  it('POST /v1/threads/{thread_id}/runs → 201 { run_id, trace_id }: started at once, its trace the request\'s', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan 3 days in Rome');
    const traceId = randomBytes(16).toString('hex');
    const res = await as(alice).post(`/v1/threads/${threadId}/runs`, {}, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ run_id: expect.stringMatching(/^[0-9a-f-]{36}$/), trace_id: traceId });
    const run = await finished(res.body.run_id);
    expect(run).toMatchObject({ status: 'completed', trace_id: traceId, thread_id: threadId, org_id: 'org_a', created_by_user_id: 'usr_alice' });
    // The gateway's log line of that request carries the same trace id.
    const untraced = await as(alice).post(`/v1/threads/${threadId}/runs`, { route_id: 'fast' });
    expect(untraced.body.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the answer is appended to the thread; the next run continues the conversation', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan 3 days in Rome');
    const first = (await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id as string;
    expect((await finished(first)).status).toBe('completed');
    const messages = await waitFor('the answer in the thread', async () => {
      const res = await as(alice).get(`/v1/threads/${threadId}/messages`);
      return res.body.length === 2 ? res.body : null;
    });
    expect(messages[1]).toMatchObject({ role: 'assistant', run_id: first, content: expect.stringContaining('Rome') });
    await say(threadId, 'Make it 2 days in Paris');
    const second = (await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id as string;
    const done = await finished(second);
    expect(done.result).toMatchObject({ destination: 'Paris', days: 2, turns: 3 });
    const list = await as(alice).get(`/v1/threads/${threadId}/runs?limit=10`);
    expect(list.body).toEqual([
      { run_id: second, status: 'completed', created_at: expect.any(String) },
      { run_id: first, status: 'completed', created_at: expect.any(String) },
    ]);
    expect((await as(alice).get(`/v1/threads/${threadId}/runs?limit=1`)).body).toHaveLength(1);
  });

  it('GET /v1/runs lists the organization\'s runs with every field the seed shows, newest first, paged by `before`', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan 2 days in Lisbon');
    const runId = (await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id as string;
    await finished(runId);
    const list = await as(alice).get('/v1/runs?limit=100');
    expect(list.status).toBe(200);
    const item = list.body.find((r: any) => r.run_id === runId);
    expect(Object.keys(item).sort()).toEqual(
      [
        'run_id', 'org_id', 'thread_id', 'status', 'model', 'persona_id', 'total_input_tokens', 'total_output_tokens', 'total_cost_usd',
        'duration_ms', 'cache_hit_rate', 'credits_used', 'created_at', 'completed_at', 'failed_at', 'created_by_user_id',
        'created_by_user_name', 'created_by_email',
      ].sort(),
    );
    expect(item).toMatchObject({
      org_id: 'org_a', thread_id: threadId, status: 'completed', model: 'trip-planner-offline', total_cost_usd: 0.00021,
      credits_used: 1, failed_at: null, created_by_user_name: 'alice', created_by_email: 'alice@example.com', persona_id: 'trip-planner@1',
    });
    expect(item.total_input_tokens).toBeGreaterThan(0);
    expect(item.cache_hit_rate).toBeGreaterThan(0);
    expect(item.duration_ms).toBeGreaterThan(0);
    expect(Date.parse(item.completed_at)).toBeGreaterThanOrEqual(Date.parse(item.created_at));
    // Org-wide: a member of another project of the org sees it; another org does not.
    expect((await as(bob).get('/v1/runs?limit=100')).body.map((r: any) => r.run_id)).toContain(runId);
    expect((await as(bob).get(`/v1/runs/${runId}`)).status).toBe(200);
    expect((await as(mallory).get('/v1/runs?limit=100')).body.map((r: any) => r.run_id)).not.toContain(runId);
    expect((await as(mallory).get(`/v1/runs/${runId}`)).status).toBe(404);
    // A status filter.
    const completed = await as(alice).get('/v1/runs?status=completed&limit=100');
    expect(completed.body.every((r: any) => r.status === 'completed')).toBe(true);
    expect((await as(alice).get('/v1/runs?status=sleeping')).status).toBe(400);
  });

  it('pages without overlap or gap while runs are being created', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan a day in Tokyo');
    const before = new Set<string>();
    for (let i = 0; i < 6; i++) before.add((await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 50; page++) {
      // New runs keep arriving while the pages are read.
      void as(alice).post(`/v1/threads/${threadId}/runs`, {});
      const res = await as(alice).get(`/v1/runs?limit=2${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      if (res.body.length === 0) break;
      seen.push(...res.body.map((r: any) => r.run_id));
      cursor = res.body.at(-1).run_id;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });

  it('a run waiting for input takes POST /v1/runs/{run_id}/input (≤ 32 KB) and :cancel stops another', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan a trip');
    const runId = (await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id as string;
    await waitFor('waiting for input', async () => ((await as(alice).get(`/v1/runs/${runId}`)).body.status === 'waiting_for_input' ? true : null));
    expect((await as(alice).post(`/v1/runs/${runId}/input`, { content: 'x'.repeat(32 * 1024 + 1) })).status).toBe(413);
    expect((await as(alice).post(`/v1/runs/${runId}/input`, {})).status).toBe(400);
    expect((await as(alice).post(`/v1/runs/${runId}/input`, { content: 'Lisbon' })).body).toEqual({ ok: true });
    expect((await finished(runId)).result).toMatchObject({ destination: 'Lisbon' });
    expect((await as(alice).post(`/v1/runs/${runId}/input`, { content: 'again' })).status).toBe(400);

    await say(threadId, 'Plan a trip');
    const other = (await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id as string;
    const cancelled = await as(alice).post(`/v1/runs/${other}:cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ ok: true });
    expect((await finished(other)).status).toBe('cancelled');
    expect((await as(alice).post(`/v1/runs/${other}:cancel`)).status).toBe(400);
    expect((await as(mallory).post(`/v1/runs/${other}:cancel`)).status).toBe(404);
  });

  it('persona_id picks the agent version; an unknown persona is 404, a malformed one 400', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan 1 day in Rome');
    const picked = await as(alice).post(`/v1/threads/${threadId}/runs`, { persona_id: 'trip-planner@1' });
    expect(picked.status).toBe(201);
    expect((await finished(picked.body.run_id)).persona_id).toBe('trip-planner@1');
    expect((await as(alice).post(`/v1/threads/${threadId}/runs`, { persona_id: 'trip-planner@9' })).status).toBe(404);
    expect((await as(alice).post(`/v1/threads/${threadId}/runs`, { persona_id: 'no-such-agent@1' })).status).toBe(404);
    expect((await as(alice).post(`/v1/threads/${threadId}/runs`, { persona_id: 'bad persona' })).status).toBe(400);
    const missing = await as(alice).post('/v1/threads/999999/runs', {});
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: expect.any(String) });
  });

  it('SSE /v1/runs/{run_id}/events?after_seq=N with a bearer: { seq, type, data, created_at }, id = seq, closed after the end', async () => {
    const threadId = await thread();
    await say(threadId, 'Plan 2 days in Rome');
    const runId = (await as(alice).post(`/v1/threads/${threadId}/runs`, {})).body.run_id as string;
    const base = system.gateway!.url;
    const all = await SseConnection.open(`${base}/v1/runs/${runId}/events?after_seq=0`, { bearer: alice });
    expect(all.status).toBe(200);
    await all.done;
    expect(all.endedBy).toBe('server');
    const types = all.frames.map((f) => f.type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.completed');
    for (const t of ['message.delta', 'tool.call', 'tool.result', 'message.completed']) expect(types).toContain(t);
    expect(all.frames.map((f) => f.seq)).toEqual(all.frames.map((_, i) => i + 1));
    expect(all.blocks.filter((b) => b.data).map((b) => Number(b.id))).toEqual(all.frames.map((f) => f.seq));
    for (const f of all.frames) expect(Object.keys(f).sort()).toEqual(['created_at', 'data', 'seq', 'type']);
    expect(all.frames.find((f) => f.type === 'message.delta')!.data).toEqual({ content: expect.any(String), message_id: expect.any(String) });

    const resumed = await SseConnection.open(`${base}/v1/runs/${runId}/events?after_seq=5`, { bearer: alice });
    await resumed.done;
    expect(resumed.frames.map((f) => f.seq)).toEqual(all.frames.slice(5).map((f) => f.seq));
    const byHeader = await SseConnection.open(`${base}/v1/runs/${runId}/events`, { bearer: alice, headers: { 'last-event-id': '7' } });
    await byHeader.done;
    expect(byHeader.frames[0]!.seq).toBe(8);

    expect((await SseConnection.open(`${base}/v1/runs/${runId}/events`)).status).toBe(401);
    const foreign = await SseConnection.open(`${base}/v1/runs/${runId}/events`, { bearer: mallory });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: 'run not found' });
    expect((await SseConnection.open(`${base}/v1/runs/${runId}/events?after_seq=x`, { bearer: alice })).status).toBe(400);
  });
});
