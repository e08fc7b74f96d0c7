import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, waitFor } from '../tools/harness';
import { TestSystem } from './support/system';

const run = promisify(execFile);

/** Postgres is a projection: drop it, replay RUN_EVENTS, get the identical rows back. */
describe('read model rebuild', () => {
  let system: TestSystem;
  const user = 'usr_rebuild';

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
  });
  afterAll(() => system?.stop());

  const dump = async () => ({
    runs: await system.db.query('SELECT * FROM runs ORDER BY id'),
    events: await system.db.query('SELECT * FROM run_events ORDER BY run_id, sequence'),
    threads: await system.db.query('SELECT * FROM threads ORDER BY id'),
    artifacts: await system.db.query('SELECT * FROM artifacts ORDER BY id'),
  });

  it('replays the event stream into identical rows', async () => {
    const api = system.api(user);
    const tripA = await system.thread(user, 'Rome');
    const tripB = await system.thread(user, 'Lisbon');
    await api.patch(`/v1/threads/${tripB}`, { title: 'Lisbon and Porto', metadata: { days: 5 } });
    const ids: string[] = [];
    for (const [i, tripId] of [tripA, tripA, tripB, tripB, tripB].entries()) {
      const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: i === 3 ? 'Plan Rome #fail-once' : `Plan Rome ${i}` });
      ids.push(created.body.run.id);
    }
    for (const id of ids.slice(0, 4)) await api.post(`/v1/agent-runs/${id}/control`, { action: 'start' });
    await api.post(`/v1/agent-runs/${ids[4]}/control`, { action: 'cancel', reason: 'changed my mind' });
    await system.waitForRun(user, ids[3]!, (s) => s === 'failed');
    await api.post(`/v1/agent-runs/${ids[3]}/control`, { action: 'retry' });
    for (const id of ids.slice(0, 4)) await system.waitForRun(user, id, (s) => s === 'completed');
    // File artifacts, one path replaced: the rebuilt table keeps only the latest upload per path.
    for (const [path, text] of [['a.txt', 'v1'], ['b.txt', 'b'], ['a.txt', 'v2']])
      await api.request('PUT', `/api/v1/agents/${ids[0]}/artifacts/${path}`, text, { 'content-type': 'text/plain' });

    // A pinned typed artifact: its pin must survive the replay (applied after its creation).
    const typed = await system.db.query<{ id: number }>(`SELECT id FROM artifacts WHERE run_id = $1 AND path IS NULL ORDER BY id`, [ids[1]]);
    expect((await api.patch(`/v1/agent-runs/${ids[1]}/artifacts/${typed[0]!.id}`, { isPinned: true })).status).toBe(200);

    const before = await dump();
    expect(before.artifacts.filter((a) => a.is_pinned)).toHaveLength(1);
    expect(before.runs).toHaveLength(5);
    expect(before.threads).toHaveLength(2);
    const files = before.artifacts.filter((a) => a.path !== null);
    expect(files.map((a) => [a.path, Number(a.size)])).toEqual([['b.txt', 1], ['a.txt', 2]]);
    // The reference agent's candidates and proposals of the four completed runs.
    expect(before.artifacts.filter((a) => a.path === null)).toHaveLength(8);
    expect(before.events.length).toBeGreaterThan(40);

    const [service] = system.runServices;
    await service!.stop();
    await run(process.execPath, [join(REPO_ROOT, 'dist/tools/rebuild-read-model.js')], { env: { ...process.env, ...system.baseEnv } });
    expect(await system.db.query('SELECT count(*)::int AS n FROM run_events')).toEqual([{ n: 0 }]);

    await service!.spawn();
    await waitFor('projection caught up', async () => {
      const [row] = await system.db.query<{ n: number }>('SELECT count(*)::int AS n FROM run_events');
      return row?.n === before.events.length;
    });
    const after = await dump();
    expect(after).toEqual(before);
  });

  it('refuses to rebuild while a projector is consuming', async () => {
    await expect(
      run(process.execPath, [join(REPO_ROOT, 'dist/tools/rebuild-read-model.js')], { env: { ...process.env, ...system.baseEnv } }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('stop the run-services first') });
  });
});
