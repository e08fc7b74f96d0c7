import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { GatewaySpec } from './support/gateway-spec';

/** Seed 003's controllers in process. */
describe('threads/runs routes (in process)', () => {
  let spec: GatewaySpec;
  before(async () => {
    spec = await GatewaySpec.start();
    await spec.registerAgent({ name: 'trip-planner', version: '1', model: 'm1', tools: ['search_attractions'] });
    await spec.bus.given('thread:7', [
      { type: 'ThreadCreatedV2', data: { threadId: 7, ownerId: 'usr_1', org: 'org_1', project: 'default', visibility: 'private', title: null, metadata: {} } },
    ]);
  });
  after(() => spec?.stop());

  it('POST /v1/threads/{id}/messages sends AppendThreadMessage and answers the message', async () => {
    const res = await spec.as('usr_1').post('/v1/threads/7/messages', { role: 'user', content: 'Plan 2 days in Rome' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ thread_id: 7, seq: 1, role: 'user', content: 'Plan 2 days in Rome', run_id: null });
    expect(spec.bus.of('AppendThreadMessage').at(-1)).toMatchObject({ threadId: 7, role: 'user', content: 'Plan 2 days in Rome' });
    expect((await spec.as('usr_1').get('/v1/threads/7/messages')).body).toEqual([res.body]);
  });

  it('POST /v1/threads/{id}/runs starts an org-visible run of the persona, on the request trace', async () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await spec.as('usr_1').post('/v1/threads/7/runs', { persona_id: 'trip-planner@1', route_id: 'r-fast' }, { traceparent: `00-${trace}-00f067aa0ba902b7-01` });
    expect(res).toMatchObject({ status: 201, body: { run_id: expect.any(String), trace_id: trace } });
    expect(spec.bus.of('CreateRun').at(-1)).toMatchObject({
      threadId: 7,
      agent: 'trip-planner',
      agentVersion: '1',
      visibility: 'org',
      autoStart: true,
      traceId: trace,
      options: { route: 'r-fast', model: 'm1' },
    });
    expect(spec.bus.sent.at(-1)?.commandId).toBeDefined();
    const detail = await spec.as('usr_1').get(`/v1/runs/${res.body.run_id}`);
    expect(detail.body).toMatchObject({ run_id: res.body.run_id, org_id: 'org_1', thread_id: 7, created_by_user_id: 'usr_1', status: 'running', trace_id: trace, persona_id: 'trip-planner@1' });
  });

  it('POST /v1/runs/{id}:cancel sends CancelRun and answers { ok: true }; input over 32 KB is 413 and sends nothing', async () => {
    const runId = (await spec.as('usr_1').post('/v1/threads/7/runs', {})).body.run_id as string;
    expect((await spec.as('usr_1').post(`/v1/runs/${runId}:cancel`)).body).toEqual({ ok: true });
    expect(spec.bus.sent.at(-1)?.command).toEqual({ type: 'CancelRun', data: { runId } });
    const sent = spec.bus.sent.length;
    expect((await spec.as('usr_1').post(`/v1/runs/${runId}/input`, { content: 'é'.repeat(17_000) })).status).toBe(413);
    expect(spec.bus.sent.length).toBe(sent);
  });

  it('an unknown persona is 404, not a command', async () => {
    const sent = spec.bus.sent.length;
    expect((await spec.as('usr_1').post('/v1/threads/7/runs', { persona_id: 'trip-planner@3' })).status).toBe(404);
    expect(spec.bus.sent.length).toBe(sent);
  });
});
