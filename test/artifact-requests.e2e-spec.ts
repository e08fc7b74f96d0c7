import { randomUUID } from 'node:crypto';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { SUBJECTS, type CreateTypedArtifactReply, type CreateTypedArtifactRequestV2 } from '#contracts';
import { decodeJson, encodeJson } from '#messaging';
import { waitFor } from '../tools/harness';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * A worker's typed-artifact request is applied once however often it is asked, so a worker asks
 * again through any outage: an artifact-service killed with the request in hand fails no run.
 */
describe('artifact requests through faults', () => {
  let system: TestSystem;
  const user = 'usr_artifact_requests';

  beforeAll(async () => {
    system = await TestSystem.start({
      workerEnv: { TRIP_PLANNER_STEP_MS: '20', WORKER_ARTIFACT_TIMEOUT_MS: '1000' },
    });
  });
  afterAll(() => system?.stop());

  const startRun = async (triggerMessage: string): Promise<string> => {
    const api = system.api(user);
    const tripId = await system.thread(user);
    const runId = (await api.post('/v1/agent-runs', { tripId, triggerMessage })).body.run.id as string;
    expect((await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' })).status).toBe(200);
    return runId;
  };
  const artifactsOf = async (runId: string) =>
    (await readRunLog(system.js, runId)).filter((e) => e.type === 'RunArtifactCreated').map((e) => (e.data as { id: number }).id);
  const ask = async (request: object): Promise<CreateTypedArtifactReply> =>
    decodeJson<CreateTypedArtifactReply>((await system.nc.request(SUBJECTS.artifactCreate, encodeJson(request), { timeout: 5_000 })).data);

  it('stores the same request once, answering every asking with the same artifact', async () => {
    const runId = await startRun('Plan a trip'); // names no destination: waits for input, attempt 1 held
    await system.waitForRun(user, runId, (s) => s === 'waiting_for_input');
    const claimed = (await readRunLog(system.js, runId)).find((e) => e.type === 'RunClaimed');
    const request: CreateTypedArtifactRequestV2 = {
      version: 2,
      requestId: randomUUID(),
      runId,
      attempt: 1,
      workerId: (claimed!.data as { workerId: string }).workerId,
      agent: 'trip-planner',
      artifactType: 'notes',
      title: 'asked three times',
      content: { note: 'once' },
    };
    // Asked twice at once: one is applied, the other told it is in flight (and asks again, as the SDK does).
    const settle = async (): Promise<number> => {
      for (;;) {
        const reply = await ask(request);
        if (reply.ok) return reply.artifact.id;
        expect(reply.error.code).toBe('IDEMPOTENCY_IN_PROGRESS');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const ids = await Promise.all([settle(), settle(), settle()]);
    ids.push(await settle());
    expect(new Set(ids).size).toBe(1);
    expect(await artifactsOf(runId)).toEqual([ids[0]]);
    // The bytes survived every asking: it reads back with its content, once.
    const one = await system.api(user).get(`/v1/agent-runs/${runId}/artifacts/${ids[0]}`);
    expect(one.status).toBe(200);
    expect(JSON.stringify(one.body)).toContain('"note":"once"');
    const listed = await system.api(user).get(`/v1/agent-runs/${runId}/artifacts`);
    expect(listed.body.artifacts.map((a: { id: number }) => a.id)).toEqual([ids[0]]);
  });

  it('asks again when the artifact-service took the request and died, and the run completes', async () => {
    const artifactService = system.artifactServices[0]!;
    await artifactService.stop();
    // Stands in for the dying service: in the same queue group, it takes the first request and never answers.
    const swallowed: Msg[] = [];
    const sub: Subscription = system.nc.subscribe(SUBJECTS.artifactCreate, { queue: 'artifact-service', callback: (_e, m) => void swallowed.push(m) });
    const runId = await startRun('Plan 2 days in Rome');
    await waitFor('a request taken', async () => (swallowed.length > 0 ? true : null), 20_000, 20);
    sub.unsubscribe();
    await artifactService.spawn();

    const run = await system.waitForRun(user, runId, (s) => s === 'completed' || s === 'failed', 30_000);
    expect(run.status).toBe('completed');
    expect(run.attempt).toBe(1);
    const ids = await artifactsOf(runId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    // The request the dead service held was the one stored, by its id.
    const { requestId } = decodeJson<CreateTypedArtifactRequestV2>(swallowed[0]!.data);
    const rows = await system.db.query(`SELECT id FROM artifacts WHERE run_id = $1 AND object_name = $2`, [runId, `runs/${runId}/typed-${requestId}`]);
    expect(rows).toHaveLength(1);
  });

  it('completes every run when the artifact-service is killed -9 with requests in flight', async () => {
    const artifactService = system.artifactServices[0]!;
    let seen = 0;
    const watch = system.nc.subscribe(SUBJECTS.artifactCreate, { callback: () => void seen++ });
    const runIds = await Promise.all(Array.from({ length: 5 }, (_, i) => startRun(`Plan ${i + 1} days in Lisbon`)));
    await waitFor('requests in flight', async () => (seen > 0 ? true : null), 20_000, 5);
    await artifactService.kill();
    await new Promise((r) => setTimeout(r, 500));
    await artifactService.spawn();
    watch.unsubscribe();
    for (const runId of runIds) {
      const run = await system.waitForRun(user, runId, (s) => s === 'completed' || s === 'failed', 60_000);
      expect({ runId, status: run.status }).toEqual({ runId, status: 'completed' });
      const ids = await artifactsOf(runId);
      expect({ runId, artifacts: ids.length, distinct: new Set(ids).size }).toEqual({ runId, artifacts: 2, distinct: 2 });
    }
  });
});
