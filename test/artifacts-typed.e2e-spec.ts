import { SUBJECTS, type CreateTypedArtifactReply, type CreateTypedArtifactRequest } from '#contracts';
import { TestSystem } from './support/system';

/** Travelmode typed artifacts: produced by a run's worker over NATS, read and pinned by the owner over HTTP. */
describe('typed artifacts (Travelmode)', () => {
  let system: TestSystem;
  const owner = 'usr_typed_owner';
  const stranger = 'usr_typed_other';

  beforeAll(async () => {
    // No reference agent: the test itself acts as the worker of attempt 1.
    system = await TestSystem.start({ workers: 0 });
  });
  afterAll(() => system?.stop());

  async function runningRun(): Promise<string> {
    const tripId = await system.thread(owner);
    const created = await system.api(owner).post('/v1/agent-runs', { tripId, triggerMessage: 'Plan Rome' });
    const runId = created.body.run.id as string;
    const started = await system.api(owner).post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    expect(started.body.run).toMatchObject({ status: 'running', attempt: 1 });
    return runId;
  }

  async function produce(request: Partial<CreateTypedArtifactRequest>): Promise<CreateTypedArtifactReply> {
    const msg = await system.nc.request(
      SUBJECTS.artifactCreate,
      JSON.stringify({ attempt: 1, workerId: 'wrk_test', agent: 'trip-planner', ...request }),
      { timeout: 15_000 },
    );
    return msg.json<CreateTypedArtifactReply>();
  }

  it('records a worker artifact as ARTIFACT_CREATED and serves it with its content', async () => {
    const runId = await runningRun();
    const content = { candidates: [{ name: 'Hotel Artemide', price: 210 }], note: 'ü ✓' };
    const reply = await produce({ runId, artifactType: 'candidates', title: 'Hotels', content });
    expect(reply).toEqual({ ok: true, artifact: { id: expect.any(Number), artifactType: 'candidates', isPinned: false } });
    const id = (reply as { artifact: { id: number } }).artifact.id;

    const api = system.api(owner);
    const run = await api.get(`/v1/agent-runs/${runId}`);
    expect(run.body.artifacts).toEqual([{ id, artifactType: 'candidates', isPinned: false }]);
    const events = await api.get(`/v1/agent-runs/${runId}/events?since=0`);
    expect(events.body.events.at(-1)).toMatchObject({
      eventType: 'ARTIFACT_CREATED',
      payload: { artifactId: id, artifactType: 'candidates', title: 'Hotels' },
    });

    const one = await api.get(`/v1/agent-runs/${runId}/artifacts/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.artifact).toEqual({
      id,
      runId,
      artifactType: 'candidates',
      isPinned: false,
      title: 'Hotels',
      contentType: 'application/json',
      size: Buffer.byteLength(JSON.stringify(content)),
      createdAt: expect.any(String),
      content,
    });
  });

  it('lists with type and pinned filters, and pins and unpins (read-your-writes)', async () => {
    const runId = await runningRun();
    const ids: number[] = [];
    for (const artifactType of ['candidates', 'proposals', 'candidates']) {
      const reply = await produce({ runId, artifactType, content: { artifactType } });
      if (!reply.ok) throw new Error(JSON.stringify(reply));
      ids.push(reply.artifact.id);
    }
    expect(ids[1]).toBeGreaterThan(ids[0] as number);
    const api = system.api(owner);
    const all = await api.get(`/v1/agent-runs/${runId}/artifacts`);
    expect(all.body.artifacts.map((a: { id: number }) => a.id)).toEqual(ids);
    expect(all.body.artifacts[0]).not.toHaveProperty('content');
    const candidates = await api.get(`/v1/agent-runs/${runId}/artifacts?artifactType=candidates`);
    expect(candidates.body.artifacts.map((a: { id: number }) => a.id)).toEqual([ids[0], ids[2]]);

    const pinned = await api.patch(`/v1/agent-runs/${runId}/artifacts/${ids[1]}`, { isPinned: true });
    expect(pinned.status).toBe(200);
    expect(pinned.body.artifact).toMatchObject({ id: ids[1], isPinned: true });
    const onlyPinned = await api.get(`/v1/agent-runs/${runId}/artifacts?isPinned=true`);
    expect(onlyPinned.body.artifacts.map((a: { id: number }) => a.id)).toEqual([ids[1]]);
    expect((await api.get(`/v1/agent-runs/${runId}`)).body.artifacts[1]).toEqual({ id: ids[1], artifactType: 'proposals', isPinned: true });
    const events = await api.get(`/v1/agent-runs/${runId}/events?since=0`);
    expect(events.body.events.at(-1)).toMatchObject({ eventType: 'ARTIFACT_UPDATED', payload: { artifactId: ids[1], isPinned: true } });

    const unpinned = await api.patch(`/v1/agent-runs/${runId}/artifacts/${ids[1]}`, { isPinned: false });
    expect(unpinned.body.artifact.isPinned).toBe(false);
    expect((await api.get(`/v1/agent-runs/${runId}/artifacts?isPinned=true`)).body.artifacts).toEqual([]);

    expect((await api.patch(`/v1/agent-runs/${runId}/artifacts/${ids[1]}`, { isPinned: 'yes' })).status).toBe(400);
    expect((await api.patch(`/v1/agent-runs/${runId}/artifacts/${ids[1]}`, { isPinned: true, x: 1 })).status).toBe(400);
    expect((await api.get(`/v1/agent-runs/${runId}/artifacts?isPinned=maybe`)).status).toBe(400);
  });

  it('is owner-only: another user or an unknown run or artifact is 404', async () => {
    const runId = await runningRun();
    const reply = await produce({ runId, artifactType: 'candidates', content: [1] });
    if (!reply.ok) throw new Error(JSON.stringify(reply));
    const id = reply.artifact.id;
    const other = system.api(stranger);
    for (const res of [
      await other.get(`/v1/agent-runs/${runId}/artifacts`),
      await other.get(`/v1/agent-runs/${runId}/artifacts/${id}`),
      await other.patch(`/v1/agent-runs/${runId}/artifacts/${id}`, { isPinned: true }),
      await system.api(owner).get(`/v1/agent-runs/00000000-0000-4000-8000-000000000000/artifacts`),
      await system.api(owner).get(`/v1/agent-runs/${runId}/artifacts/999999`),
      await system.api(owner).get(`/v1/agent-runs/${runId}/artifacts/abc`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await system.api().get(`/v1/agent-runs/${runId}/artifacts`)).status).toBe(401);
    expect((await system.api(owner).get(`/v1/agent-runs/${runId}/artifacts/${id}`)).body.artifact.isPinned).toBe(false);
  });

  it('refuses a stale attempt, an ended run, bad input and oversized content, and records nothing', async () => {
    const runId = await runningRun();
    expect(await produce({ runId, attempt: 2, artifactType: 'x', content: 1 })).toMatchObject({ ok: false, error: { code: 'STALE_ATTEMPT' } });
    expect(await produce({ runId, artifactType: 'bad type!', content: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await produce({ runId, artifactType: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const big = 'x'.repeat(512 * 1024);
    expect(await produce({ runId, artifactType: 'x', content: big })).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    await system.api(owner).post(`/v1/agent-runs/${runId}/control`, { action: 'cancel' });
    expect(await produce({ runId, artifactType: 'x', content: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_TRANSITION' } });
    expect((await system.api(owner).get(`/v1/agent-runs/${runId}/artifacts`)).body.artifacts).toEqual([]);
    const rows = await system.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM artifacts WHERE run_id = '${runId}'`);
    expect(rows[0]?.n).toBe(0);
  });
});
