import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { GatewaySpec } from './support/gateway-spec';

/** Vertesia's controllers in process. */
describe('Vertesia routes (in process)', () => {
  let spec: GatewaySpec;
  const alice = () => spec.as('abc123', { org: 'acct', project: 'proj' });
  before(async () => {
    spec = await GatewaySpec.start();
    await spec.registerAgent({ name: 'MyAgent', version: '2', tools: ['search', 'summarize'], model: 'claude-sonnet-4-6', environment: 'default' });
    await spec.registerAgent({ name: 'MyAgent', version: 'draft', tools: [] });
  });
  after(() => spec?.stop());

  it('POST /api/v1/agents resolves the interaction, the tool changes and the defaults into CreateRun', async () => {
    const res = await alice().post('/api/v1/agents', { interaction: 'MyAgent', data: { task: 'Analyze the Q4 report' }, tool_names: ['+web', '-search'], tags: ['analysis'] });
    expect(res.status).toBe(201);
    expect(spec.bus.of('CreateRun').at(-1)).toMatchObject({
      agent: 'MyAgent',
      agentVersion: '2',
      visibility: 'project',
      autoStart: true,
      input: { message: null, data: { task: 'Analyze the Q4 report' } },
      options: { model: 'claude-sonnet-4-6', environment: 'default', tools: ['summarize', 'web'], interactive: true },
      labels: { tags: ['analysis'], categories: [], properties: {} },
    });
    expect(res.body).toMatchObject({
      id: expect.any(String),
      account: 'acct',
      project: 'proj',
      interaction: 'MyAgent',
      data: { task: 'Analyze the Q4 report' },
      environment: 'default',
      model: 'claude-sonnet-4-6',
      interactive: true,
      status: 'running',
      started_by: 'user:abc123',
      tags: ['analysis'],
      visibility: 'project',
    });
    expect((await alice().post('/api/v1/agents', { interaction: 'MyAgent@draft' })).status).toBe(201);
    expect(spec.bus.of('CreateRun').at(-1)).toMatchObject({ agentVersion: 'draft' });
  });

  it('DELETE with ?reason sends CancelRun; restart sends RestartRun; fork sends CreateRun naming the source', async () => {
    const id = (await alice().post('/api/v1/agents', { interaction: 'MyAgent' })).body.id as string;
    const terminated = await alice().request('DELETE', `/api/v1/agents/${id}?reason=No%20longer%20needed`);
    expect(terminated.body).toMatchObject({ reason: 'No longer needed', status: 'cancelled' });
    expect(spec.bus.sent.at(-1)?.command).toEqual({ type: 'CancelRun', data: { runId: id, reason: 'No longer needed' } });
    const restarted = await alice().post(`/api/v1/agents/${id}/restart`);
    expect(restarted.body).toMatchObject({ id, status: 'running', attempt: 2 });
    expect(spec.bus.sent.at(-1)?.command).toEqual({ type: 'RestartRun', data: { runId: id } });
    const forked = await alice().post(`/api/v1/agents/${id}/fork?sequence=1`);
    expect(forked.body).toMatchObject({ forked_from: id, status: 'running' });
    expect(spec.bus.of('CreateRun').at(-1)).toMatchObject({ forkOf: { runId: id, sequence: 1 }, autoStart: true });
  });

  it('GET /api/v1/agents answers { items, total_count, next_cursor } of the project', async () => {
    const page = await alice().get('/api/v1/agents?status=running,cancelled&interaction=MyAgent&limit=2&offset=0');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ items: expect.any(Array), total_count: expect.any(Number) });
    expect(page.body.items).toHaveLength(2);
    expect(page.body.total_count).toBeGreaterThan(2);
    expect(page.body.items.every((r: { status: string }) => ['running', 'cancelled'].includes(r.status))).toBe(true);
    // next_cursor leads on, without overlap, to a last page whose next_cursor is null.
    const next = await alice().get(`/api/v1/agents?status=running,cancelled&interaction=MyAgent&limit=100&cursor=${page.body.next_cursor}`);
    expect(next.body.items.map((r: { id: string }) => r.id)).not.toContain(page.body.items[0].id);
    expect(page.body.items.length + next.body.items.length).toBe(page.body.total_count);
    expect(next.body.next_cursor).toBeNull();
    expect((await spec.as('someone', { org: 'other', project: 'proj' }).get('/api/v1/agents')).body.items).toEqual([]);
  });

  it('an unknown interaction or version is 404 and sends nothing', async () => {
    const sent = spec.bus.sent.length;
    for (const interaction of ['Nope', 'MyAgent@7']) expect((await alice().post('/api/v1/agents', { interaction })).status).toBe(404);
    expect(spec.bus.sent.length).toBe(sent);
  });
});
