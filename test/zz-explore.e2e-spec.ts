import { writeFileSync } from 'node:fs';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';
import { VertesiaClientDriver } from './support/vertesia-client';

describe('explore', () => {
  let system: TestSystem;
  let c: VertesiaClientDriver;
  const token = signToken({ sub: 'abc123', org: 'acct_1', project: 'proj_1', scope: 'workflow:run', name: 'Abc', email: 'a@x' });
  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '100' } });
    c = VertesiaClientDriver.start(system.gateway!.url, token);
  });
  afterAll(async () => { await c?.stop(); await system?.stop(); });
  it('dumps', async () => {
    const out: any = {};
    const safe = async (k: string, f: () => Promise<any>) => { try { out[k] = await f(); } catch (e: any) { out[k] = { ERROR: e.message }; } };
    await safe('start', () => c.agents('start', { interaction: 'trip-planner', data: { task: 'Plan 3 days in Rome' }, interactive: true, tags: ['analysis'] }));
    const id = out.start.id;
    await safe('streamStart', () => c.streamStart('s1', id));
    await safe('retrieve', () => c.agents('retrieve', id));
    await safe('listRunning', () => c.agents('list', { status: 'running', limit: 10 }));
    await safe('stream', () => c.streamWait('s1', 30000));
    await safe('messages', () => c.agents('retrieveMessages', id));
    await safe('listCompleted', () => c.agents('list', { status: ['completed'], limit: 10 }));
    await safe('upload', () => c.upload(id, 'data.csv', Buffer.from('a,b\n1,2\n'), 'text/csv'));
    await safe('listArtifacts', () => c.agents('listArtifacts', id));
    await safe('url', () => c.agents('getArtifactUrl', id, 'data.csv', 'inline'));
    await safe('download', async () => (await c.download(id, 'data.csv')).toString());
    await safe('restart', () => c.agents('restart', id));
    await safe('fork', () => c.agents('fork', id));
    const w = await c.agents('start', { interaction: 'trip-planner', data: { task: 'Plan a trip' } });
    await new Promise((r) => setTimeout(r, 2000));
    await safe('signal', () => c.agents('sendSignal', w.id, 'UserInput', { message: 'hi' }));
    await safe('plan', () => c.agents('query', w.id, 'AgentPlan'));
    await safe('ws', () => c.agents('getActiveWorkstreams', w.id));
    await safe('terminate', () => c.agents('terminate', w.id, 'No longer needed'));
    await safe('afterTerminate', () => c.agents('retrieve', w.id));
    await safe('missing', () => c.agents('retrieve', '00000000-0000-0000-0000-000000000000'));
    await safe('requests', () => c.requests());
    out.stderr = c.output;
    writeFileSync('/tmp/vx/explore.json', JSON.stringify(out, null, 1));
  });
});
