import { SseConnection } from './support/sse';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';
import { waitFor } from '../tools/harness';

/** Vertesia Agent Runs (seed 004) over HTTP, through the real processes. */
describe('Vertesia Agent Runs API (seed 004)', () => {
  let system: TestSystem;
  const user = 'abc123';
  const token = signToken({ sub: user, org: 'acct_1', project: 'proj_1', scope: 'workflow:run' });
  const teammate = signToken({ sub: 'mate', org: 'acct_1', project: 'proj_1', scope: 'workflow:run' });
  const stranger = signToken({ sub: 'eve', org: 'acct_2', project: 'proj_1', scope: 'workflow:run' });
  const reader = signToken({ sub: 'reader', org: 'acct_1', project: 'proj_1' });
  const as = (t = token) => system.api().as(t);

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
  });
  afterAll(() => system?.stop());

  const start = async (body: Record<string, unknown> = {}) => {
    const res = await as().post('/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan 2 days in Rome' }, ...body });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const until = (id: string, statuses: string[], t = token) =>
    waitFor(`agent ${id} in ${statuses.join('|')}`, async () => {
      const res = await as(t).get(`/api/v1/agents/${id}`);
      return statuses.includes(res.body.status) ? res.body : null;
    }, 20_000, 50);
  const updates = async (id: string, since?: number) => (await as().get(`/api/v1/agents/${id}/updates${since === undefined ? '' : `?since=${since}`}`)).body.messages as any[];

  it('creates a run with every documented field and answers the AgentRun object', async () => {
    const res = await as().post('/api/v1/agents', {
      interaction: 'trip-planner',
      data: { task: 'Plan 3 days in Rome' },
      environment: 'env_1',
      model: 'model_1',
      interactive: true,
      tool_names: ['+maps', '-search_attractions'],
      collection_id: 'col_1',
      tags: ['analysis'],
      categories: ['travel'],
      properties: { customer: 'c1' },
      search_scope: 'collection',
      user_channels: [{ type: 'interactive' }],
      checkpoint_tokens: 50,
      debug_mode: false,
    });
    expect(res.status).toBe(201);
    const run = res.body;
    for (const field of [
      'id', 'account', 'project', 'interaction', 'interaction_name', 'data', 'environment', 'model', 'interactive', 'tool_names',
      'collection_id', 'status', 'started_at', 'completed_at', 'started_by', 'name', 'title', 'topic', 'tags', 'visibility', 'created_at', 'updated_at',
    ])
      expect(run).toHaveProperty(field);
    expect(run).toMatchObject({
      account: 'acct_1', project: 'proj_1', interaction: 'trip-planner', interaction_version: '1', data: { task: 'Plan 3 days in Rome' },
      environment: 'env_1', model: 'model_1', interactive: true, tool_names: ['maps'], collection_id: 'col_1', status: 'running',
      started_by: `user:${user}`, tags: ['analysis'], categories: ['travel'], properties: { customer: 'c1' }, visibility: 'project',
      search_scope: 'collection', checkpoint_tokens: 50, debug_mode: false, completed_at: null,
    });
    const done = await until(run.id, ['completed']);
    expect(done).toMatchObject({ title: '3 days in Rome', topic: 'Rome', name: '3-days-rome' });
    expect(Date.parse(done.completed_at)).toBeGreaterThan(Date.parse(done.started_at));
  });

  it('picks interaction@version; an unknown interaction is 404, no workflow:run is 403', async () => {
    expect((await as().post('/api/v1/agents', { interaction: 'trip-planner@1', data: { task: 'Plan 1 day in Paris' } })).status).toBe(201);
    for (const interaction of ['MyAgent', 'trip-planner@9', 'trip-planner@draft']) {
      const res = await as().post('/api/v1/agents', { interaction });
      expect([interaction, res.status, res.body]).toEqual([interaction, 404, { error: expect.any(String) }]);
    }
    expect((await as().post('/api/v1/agents', { interaction: 'bad name!' })).status).toBe(400);
    expect((await as().post('/api/v1/agents', { interaction: 'trip-planner', visibility: 'org' })).status).toBe(400);
    const denied = await as(reader).post('/api/v1/agents', { interaction: 'trip-planner' });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: expect.stringContaining('workflow:run') });
    // Reading needs any valid credential.
    expect((await as(reader).get('/api/v1/agents')).status).toBe(200);
    const registered = await as().get('/api/v1/interactions');
    expect(registered.body).toEqual([expect.objectContaining({ id: 'trip-planner@1', name: 'trip-planner', version: '1', tool_names: ['search_attractions'] })]);
  });

  it('lists with status (comma-separated), interaction, started_by, since, limit, offset, sort and order', async () => {
    const a = await start({ tags: ['list'] });
    const b = await start({ tags: ['list'] });
    await until(a.id, ['completed']);
    await until(b.id, ['completed']);
    const page = await as().get('/api/v1/agents?status=running,completed&interaction=trip-planner&limit=200');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ items: expect.any(Array), total_count: expect.any(Number), next_cursor: null });
    const ids = page.body.items.map((r: any) => r.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    // Newest start first by default; asc reverses.
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    const asc = (await as().get('/api/v1/agents?order=asc&limit=200')).body.items.map((r: any) => r.id);
    expect(asc.indexOf(a.id)).toBeLessThan(asc.indexOf(b.id));
    const one = await as().get('/api/v1/agents?limit=1&offset=1&sort=updated_at');
    expect(one.body.items).toHaveLength(1);
    expect(one.body.total_count).toBe(page.body.total_count);
    expect((await as().get(`/api/v1/agents?started_by=user:${user}&limit=200`)).body.items.length).toBe(page.body.total_count);
    expect((await as().get('/api/v1/agents?started_by=user:nobody')).body.items).toEqual([]);
    expect((await as().get(`/api/v1/agents?since=${new Date(Date.now() + 60_000).toISOString()}`)).body.items).toEqual([]);
    expect((await as().get('/api/v1/agents?status=cancelled&limit=200')).body.items.map((r: any) => r.id)).not.toContain(a.id);
    for (const bad of ['status=sleeping', 'limit=201', 'sort=name', 'order=up', 'since=yesterday', 'offset=-1'])
      expect([bad, (await as().get(`/api/v1/agents?${bad}`)).status]).toEqual([bad, 400]);
    // A teammate of the project sees project runs; another account sees none of them.
    expect((await as(teammate).get('/api/v1/agents?limit=200')).body.items.map((r: any) => r.id)).toContain(a.id);
    expect((await as(stranger).get('/api/v1/agents?limit=200')).body.items).toEqual([]);
    expect((await as(stranger).get(`/api/v1/agents/${a.id}`)).status).toBe(404);
  });

  it('messages: /updates returns them in Vertesia shape, ending with complete; since pages strictly after', async () => {
    const run = await start();
    await until(run.id, ['completed']);
    const messages = await updates(run.id);
    for (const m of messages) {
      expect(Object.keys(m).sort()).toEqual(['d', 'details', 'm', 'message', 't', 'timestamp', 'ts', 'type', 'workflow_run_id', 'workstream_id']);
      // The compact form the official client reads says the same.
      expect([m.m, m.d, m.ts]).toEqual([m.message, m.details, m.timestamp]);
    }
    const types = messages.map((m) => m.type);
    for (const t of ['system', 'update', 'thought', 'streaming_chunk', 'answer']) expect(types).toContain(t);
    expect(types.at(-1)).toBe('complete');
    expect(messages.every((m) => m.workflow_run_id === run.id && m.workstream_id === 'main')).toBe(true);
    const stamps = messages.map((m) => m.timestamp);
    expect(stamps).toEqual([...stamps].sort((x, y) => x - y));
    expect(new Set(stamps).size).toBe(stamps.length);
    const middle = stamps[Math.floor(stamps.length / 2)]!;
    expect(await updates(run.id, middle)).toEqual(messages.filter((m) => m.timestamp > middle));
  });

  it('the stream: history then live, closed after the end; resumed with since or Last-Event-ID without loss or repeat', async () => {
    const run = await start({ data: { task: 'Plan 3 days in Paris' } });
    const base = system.gateway!.url;
    const live = await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream?access_token=${token}`);
    expect(live.status).toBe(200);
    await live.done;
    expect(live.endedBy).toBe('server');
    const all = await updates(run.id);
    expect(live.frames).toEqual(all);

    // A client that lost its connection mid-run resumes after the last timestamp it saw.
    const cut = all[Math.floor(all.length / 3)]!.timestamp;
    const resumed = await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream?since=${cut}&skipHistory=true&access_token=${token}`);
    await resumed.done;
    expect(resumed.frames).toEqual(all.filter((m) => m.timestamp > cut));
    // … or after the last event id it got (the EventSource's own reconnect).
    const lastId = Number(live.blocks.filter((b) => b.data)[5]!.id);
    const byId = await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream`, { bearer: token, headers: { 'last-event-id': String(lastId) } });
    await byId.done;
    const idOf = (i: number) => Number(live.blocks.filter((b) => b.data)[i]!.id);
    expect(byId.frames).toEqual(all.filter((_, i) => idOf(i) > lastId));

    // No credential, a bad token, another account: refused before any stream.
    expect((await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream`)).status).toBe(401);
    expect((await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream?access_token=nope`)).status).toBe(401);
    expect((await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream?access_token=${stranger}`)).status).toBe(404);
  });

  it('a client cut off again and again while the run is live resumes after its last timestamp and loses nothing', async () => {
    const run = await start({ data: { task: 'Plan 3 days in Lisbon' } });
    const base = system.gateway!.url;
    const received: any[] = [];
    let connections = 0;
    while (received.at(-1)?.type !== 'complete' && connections < 200) {
      const since = received.at(-1)?.timestamp;
      const query = since === undefined ? '' : `since=${since}&skipHistory=true&`;
      const c = await SseConnection.open(`${base}/api/v1/agents/${run.id}/stream?${query}access_token=${token}`);
      connections++;
      // Take a few messages, then drop the connection mid-run.
      await c.until((x) => x.frames.length >= 3 || x.endedBy !== null).catch(() => undefined);
      c.abort();
      await c.done;
      received.push(...c.frames);
    }
    expect(connections).toBeGreaterThan(2);
    const all = await updates(run.id);
    expect(received).toEqual(all);
  });

  it('terminate (DELETE, reason in the query or a body) cancels; the messages end with terminated', async () => {
    const run = await start({ data: { task: 'Plan a trip' } });
    await until(run.id, ['running']);
    const res = await as().request('DELETE', `/api/v1/agents/${run.id}?reason=${encodeURIComponent('No longer needed')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: expect.any(String), reason: 'No longer needed', status: 'cancelled' });
    expect((await as().get(`/api/v1/agents/${run.id}`)).body.status).toBe('cancelled');
    expect((await updates(run.id)).at(-1)).toMatchObject({ type: 'terminated', message: 'No longer needed' });
    const other = await start({ data: { task: 'Plan a trip' } });
    const byBody = await as().request('DELETE', `/api/v1/agents/${other.id}`, { reason: 'changed plans' });
    expect(byBody.body.reason).toBe('changed plans');
    expect((await as().request('DELETE', `/api/v1/agents/${other.id}`)).status).toBe(400);
  });

  it('restart continues the same run (same id, sequence goes on, the worker gets the conversation so far)', async () => {
    const run = await start();
    const first = await until(run.id, ['completed']);
    const before = (await as().get(`/v1/agent-runs/${run.id}`)).body.run.lastEventSequence as number;
    const restarted = await as().post(`/api/v1/agents/${run.id}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ id: run.id, status: 'running', attempt: 2 });
    const again = await until(run.id, ['completed']);
    const detail = (await as().get(`/v1/agent-runs/${run.id}`)).body.run;
    expect(detail.lastEventSequence).toBeGreaterThan(before);
    expect(detail.result).toMatchObject({ destination: 'Rome', turns: 2 });
    expect(first.id).toBe(again.id);
    const types = (await updates(run.id)).map((m) => m.type);
    expect(types.filter((t) => t === 'complete')).toHaveLength(2);
    expect(types).toContain('restarting');
    expect((await as().post(`/api/v1/agents/${run.id}/restart`)).status).toBe(200);
    expect((await as().post(`/api/v1/agents/${run.id}/restart`)).status).toBe(400);
  });

  it('fork makes a new run with its own id and stream, continuing the source up to the fork point', async () => {
    const source = await start();
    await until(source.id, ['completed']);
    const forked = await as().post(`/api/v1/agents/${source.id}/fork`);
    expect(forked.status).toBe(201);
    expect(forked.body).toMatchObject({ status: 'running', forked_from: source.id, interaction: 'trip-planner' });
    expect(forked.body.id).not.toBe(source.id);
    await until(forked.body.id, ['completed']);
    expect((await as().get(`/v1/agent-runs/${forked.body.id}`)).body.run.result).toMatchObject({ turns: 2 });
    // At sequence 1 (just started: the task, no answer yet).
    const early = await as().post(`/api/v1/agents/${source.id}/fork?sequence=1`);
    await until(early.body.id, ['completed']);
    expect((await as().get(`/v1/agent-runs/${early.body.id}`)).body.run.result).toMatchObject({ turns: 1 });
    expect((await updates(early.body.id))[0]!.workflow_run_id).toBe(early.body.id);
    expect((await as().post(`/api/v1/agents/${source.id}/fork?sequence=100000`)).status).toBe(400);
    expect((await as(stranger).post(`/api/v1/agents/${source.id}/fork`)).status).toBe(404);
  });

  it('signals and queries reach the worker of a waiting run', async () => {
    const run = await start({ data: { task: 'Plan a trip' } });
    await waitFor('waiting', async () => ((await as().get(`/v1/agent-runs/${run.id}`)).body.run.status === 'waiting_for_input' ? true : null));
    const sent = await as().post(`/api/v1/agents/${run.id}/signal/UserInput`, { message: 'Please also include a summary' });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ status: 'sent', message: expect.any(String) });
    const plan = await as().get(`/api/v1/agents/${run.id}/query/AgentPlan`);
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ current: 'understand' });
    expect((await as().get(`/api/v1/agents/${run.id}/query/Nope`)).status).toBe(404);
    await as().post(`/v1/agent-runs/${run.id}/input`, { content: 'Lisbon' });
    const done = await until(run.id, ['completed']);
    expect(done.status).toBe('completed');
    const result = (await as().get(`/v1/agent-runs/${run.id}`)).body.run.result;
    expect(result.notes).toEqual([{ signal: 'UserInput', payload: { message: 'Please also include a summary' } }]);
  });

  it('a run is readable in every dialect it is visible in, with the same status and sequence', async () => {
    const run = await start();
    await until(run.id, ['completed']);
    const travelmode = (await as(teammate).get(`/v1/agent-runs/${run.id}`)).body;
    const threads = (await as(teammate).get(`/v1/runs/${run.id}`)).body;
    expect(travelmode.run).toMatchObject({ id: run.id, status: 'completed', tripId: null });
    expect(threads).toMatchObject({ run_id: run.id, status: 'completed', last_seq: travelmode.run.lastEventSequence });
    // A Travelmode run is pending until started: Vertesia calls it `created`.
    const tripId = (await as().post('/v1/threads', { title: 'x' })).body.thread.id;
    const pending = (await as().post('/v1/agent-runs', { tripId, triggerMessage: 'Plan 1 day in Rome' })).body.run;
    expect((await as().get(`/api/v1/agents/${pending.id}`)).body).toMatchObject({ status: 'created', visibility: 'private' });
    expect((await as(teammate).get(`/api/v1/agents/${pending.id}`)).status).toBe(404);
  });
});
