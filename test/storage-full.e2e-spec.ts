import { DeliverPolicy, DiscardPolicy } from '@nats-io/jetstream';
import { KV_BUCKETS, STREAMS, eventsOf, type RunEvent } from '#contracts';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * An operator's JetStream limits reached: the event log, the command queue or the idempotency
 * bucket full. Every write answers 503 { error } at once, nothing is half-applied, nothing stored
 * is dropped, and the system goes on when the limit is raised.
 */
describe('JetStream limits reached', () => {
  let system: TestSystem;
  const user = 'usr_storage_full';

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '30' } });
  });
  afterAll(() => system?.stop());

  const limit = (stream: string, max_bytes: number) => system.jsm.streams.update(stream, { max_bytes });
  const threadCount = async () => ((await system.api(user).get('/v1/threads?limit=100')).body.threads as unknown[]).length;

  /** Every command's events in the log, per aggregate: the indexes 0..count-1 of its batch, or none. */
  const halfAppliedBatches = async (): Promise<string[]> => {
    const consumer = await system.js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.All });
    const seen = new Map<string, { count: number; indexes: number[] }>();
    const total = (await system.jsm.streams.info(STREAMS.events)).state.messages;
    const messages = await consumer.fetch({ max_messages: total, expires: 5_000 });
    let read = 0;
    for await (const msg of messages) {
      for (const { metadata } of eventsOf<RunEvent>(msg.json())) {
        const key = `${msg.subject} ${metadata.commandId}`;
        const batch = seen.get(key) ?? { count: metadata.batch?.count ?? 1, indexes: [] };
        batch.indexes.push(metadata.batch?.index ?? 0);
        seen.set(key, batch);
      }
      if (++read >= total) break;
    }
    expect(read).toBe(total);
    return [...seen].filter(([, b]) => b.indexes.join() !== [...Array(b.count).keys()].join()).map(([key]) => key);
  };

  it('refuses writes into a full event log with 503 { error } at once, applies none of them, and goes on when the limit is raised', async () => {
    const api = system.api(user);
    const info = await system.jsm.streams.info(STREAMS.events);
    expect(info.config.discard).toBe(DiscardPolicy.New); // a full log refuses; it never drops history
    await limit(STREAMS.events, info.state.bytes + 96 * 1024);
    try {
      await fillAndCheck(api);
    } finally {
      await limit(STREAMS.events, -1);
    }
  }, 180_000);

  const fillAndCheck = async (api: ReturnType<TestSystem['api']>): Promise<void> => {
    const created: string[] = [];
    const refusals: { status: number; body: unknown; ms: number }[] = [];
    let threadsCreated = 0;
    for (let i = 0; i < 400 && refusals.length < 12; i++) {
      const started = Date.now();
      const thread = await api.post('/v1/threads', { title: `fill ${i}` });
      if (thread.status !== 201) {
        refusals.push({ status: thread.status, body: thread.body, ms: Date.now() - started });
        continue;
      }
      threadsCreated++;
      const runStarted = Date.now();
      const run = await api.post('/v1/agent-runs', { tripId: thread.body.thread.id, triggerMessage: `Plan 2 days in Rome (${i})` });
      if (run.status !== 201) {
        refusals.push({ status: run.status, body: run.body, ms: Date.now() - runStarted });
        continue;
      }
      created.push(run.body.run.id as string);
      const startStarted = Date.now();
      const start = await api.post(`/v1/agent-runs/${run.body.run.id}/control`, { action: 'start' });
      if (start.status !== 200) refusals.push({ status: start.status, body: start.body, ms: Date.now() - startStarted });
    }
    expect(refusals.length).toBeGreaterThanOrEqual(12);
    for (const refusal of refusals) {
      expect({ status: refusal.status, body: refusal.body }).toEqual({ status: 503, body: { error: expect.stringMatching(/storage is full/) } });
      expect(refusal.ms).toBeLessThan(2_000);
    }
    // Reads still answer; what was refused does not exist.
    expect(await threadCount()).toBe(threadsCreated);
    expect(await halfAppliedBatches()).toEqual([]);
    await limit(STREAMS.events, -1);
    // The appender trusts a refusal's look at the limits for 100 ms (RECHECK_MS: retried reports
    // would otherwise read the stream's info on every try); past that, a raised limit is obeyed.
    await new Promise((r) => setTimeout(r, 150));
    // A start that was refused left its run pending: it can be started now.
    for (const runId of created) {
      if ((await api.get(`/v1/agent-runs/${runId}`)).body.run.status !== 'pending') continue;
      expect((await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' })).status).toBe(200);
    }
    // Runs that were working when the log filled finish once it has room: their reports were retried, not lost.
    for (const runId of created)
      await system.waitForRun(user, runId, (s) => s === 'completed' || s === 'failed', 60_000).catch(async (error: Error) => {
        const log = (await readRunLog(system.js, runId)).map((e) => `${e.metadata.sequence}:${e.type}`);
        throw new Error(`${error.message}; its log: ${log.join(' ')}`);
      });
    for (const runId of created) expect((await api.get(`/v1/agent-runs/${runId}`)).body.run.status).toBe('completed');
    const after = await api.post('/v1/threads', { title: 'room again' });
    expect(after.status).toBe(201);
    expect(await halfAppliedBatches()).toEqual([]);
  };

  it('answers 503 { error } when the command queue or the idempotency bucket is full, and changes nothing', async () => {
    const api = system.api(user);
    const before = await threadCount();

    await limit(STREAMS.commands, 1);
    const queued = await api.post('/v1/threads', { title: 'queue full' });
    expect({ status: queued.status, body: queued.body }).toEqual({ status: 503, body: { error: expect.stringMatching(/storage is full/) } });
    await limit(STREAMS.commands, -1);

    const bucket = `KV_${KV_BUCKETS.idempotency}`;
    await limit(bucket, 1);
    const keyed = await api.post('/v1/threads', { title: 'bucket full' }, { 'idempotency-key': 'k-storage-full' });
    expect({ status: keyed.status, body: keyed.body }).toEqual({ status: 503, body: { error: expect.stringMatching(/storage is full/) } });
    await limit(bucket, -1);

    expect(await threadCount()).toBe(before);
    // The key was never recorded: its first real use is applied once.
    const retried = await api.post('/v1/threads', { title: 'bucket full' }, { 'idempotency-key': 'k-storage-full' });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await threadCount()).toBe(before + 1);
  }, 60_000);
});
