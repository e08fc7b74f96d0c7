import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { GatewaySpec } from './support/gateway-spec';

/** Travelmode's controllers in process: the command each route sends, and the body it answers. */
describe('Travelmode routes (in process)', () => {
  let spec: GatewaySpec;
  before(async () => {
    spec = await GatewaySpec.start();
    await spec.bus.given('thread:42', [
      { type: 'ThreadCreatedV2', data: { threadId: 42, ownerId: 'usr_1', org: 'org_1', project: 'default', visibility: 'private', title: 'Rome', metadata: {} } },
    ]);
  });
  after(() => spec?.stop());

  it('POST /v1/agent-runs sends CreateRun over the trip and answers the pending run (seed 001)', async () => {
    const res = await spec.as('usr_1').post('/v1/agent-runs', { tripId: 42, triggerMessage: 'Plan 3 days in Rome' });
    expect(res.status).toBe(201);
    expect(res.body.run).toMatchObject({ tripId: 42, userId: 'usr_1', status: 'pending', phase: null, lastEventSequence: 0 });
    expect(spec.bus.of('CreateRun').at(-1)).toMatchObject({
      runId: res.body.run.id,
      threadId: 42,
      agent: 'trip-planner',
      agentVersion: null,
      visibility: 'private',
      autoStart: false,
      input: { message: 'Plan 3 days in Rome' },
    });
    expect(spec.bus.sent.at(-1)?.actor).toMatchObject({ kind: 'user', id: 'usr_1', org: 'org_1', project: 'default', scopes: ['workflow:run'] });
  });

  it('POST …/control maps each action to its command; cancel keeps the reason (seed 000)', async () => {
    const created = (await spec.as('usr_1').post('/v1/agent-runs', { tripId: 42, triggerMessage: 'Plan Rome' })).body.run.id as string;
    const started = await spec.as('usr_1').post(`/v1/agent-runs/${created}/control`, { action: 'start' });
    expect(started.body.run).toMatchObject({ status: 'running', attempt: 1 });
    const cancelled = await spec.as('usr_1').post(`/v1/agent-runs/${created}/control`, { action: 'cancel', reason: 'User changed dates' });
    expect(cancelled.body).toEqual({ run: expect.objectContaining({ id: created, status: 'cancelled', cancelReason: 'User changed dates' }) });
    expect(spec.bus.sent.slice(-2).map((s) => s.command)).toEqual([
      { type: 'StartRun', data: { runId: created } },
      { type: 'CancelRun', data: { runId: created, reason: 'User changed dates' } },
    ]);
    const invalid = await spec.as('usr_1').post(`/v1/agent-runs/${created}/control`, { action: 'start' });
    expect(invalid).toMatchObject({ status: 400, body: { error: 'cannot start a run that is cancelled' } });
  });

  it('GET /v1/agent-runs/{runId} answers the run, its artifacts and the drift against the trip', async () => {
    const runId = (await spec.as('usr_1').post('/v1/agent-runs', { tripId: 42, triggerMessage: 'x' })).body.run.id as string;
    await spec.bus.given('thread:42', [{ type: 'ThreadUpdated', data: { revision: 2, title: 'Rome, 4 days' } }]);
    const res = await spec.as('usr_1').get(`/v1/agent-runs/${runId}`);
    expect(res.body).toEqual({
      run: expect.objectContaining({ id: runId }),
      artifacts: [],
      revisionDrift: { hasDrift: true, snapshotRevision: 1, currentRevision: 2 },
    });
  });

  it("another user's run is 404 and sends nothing; a bad body is 400 and sends nothing", async () => {
    const runId = (await spec.as('usr_1').post('/v1/agent-runs', { tripId: 42, triggerMessage: 'x' })).body.run.id as string;
    const sent = spec.bus.sent.length;
    expect(await spec.as('usr_2').get(`/v1/agent-runs/${runId}`)).toMatchObject({ status: 404, body: { error: 'run not found' } });
    const bad = await spec.as('usr_1').post('/v1/agent-runs', { tripId: 'x', triggerMessage: '' });
    expect(bad.status).toBe(400);
    expect(Array.isArray(bad.body.error)).toBe(true);
    expect(spec.bus.sent.length).toBe(sent);
    // Refused by the aggregate (not the DTO): the command went, the answer is the refusal.
    expect((await spec.as('usr_2').post(`/v1/agent-runs/${runId}/control`, { action: 'start' })).status).toBe(404);
  });
});
