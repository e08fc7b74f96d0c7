import { DataSource } from 'typeorm';
import type { ArtifactDescriptor, RunEvent } from '#contracts';
import { artifactRecordOf, migrate, readModelOptions } from '#persistence';
import { evolveRun } from '#domain';
import { runRecordOf } from '#persistence';
import { independentArtifactWrites, projectArtifactEvents } from '../apps/run-service/src/projector/artifact-rows';
import { ProjectedRuns, projectCachedRuns } from '../apps/run-service/src/projector/cached-projection';
import type { ProjectionOutcome } from '../apps/run-service/src/projector/fold-batch';
import { bulkInsert, writeTogether } from '../apps/run-service/src/projector/bulk-write';
import { ARTIFACTS_TABLE, FILE_ARTIFACTS_TABLE, RUNS_TABLE } from '../apps/run-service/src/projector/read-model-tables';
import { TestDatabase } from '../tools/harness';

const RUN = '00000000-0000-4000-8000-0000000000aa';
let sequence = 0;

const event = (type: RunEvent['type'], data: unknown): RunEvent =>
  ({
    type,
    data,
    metadata: {
      eventId: `e${++sequence}`,
      streamId: RUN,
      sequence,
      createdAt: new Date(Date.UTC(2026, 10, 26, 10, 0, sequence)).toISOString(),
      commandId: `c${sequence}`,
      correlationId: `c${sequence}`,
      causationId: `c${sequence}`,
      actor: { kind: 'user', id: 'usr_1' },
      batch: { index: 0, count: 1 },
    },
  }) as RunEvent;

const artifact = (id: number, path: string | null, size = 1): ArtifactDescriptor => ({
  id,
  kind: path === null ? 'typed' : 'file',
  artifactType: path === null ? 'candidates' : 'file',
  title: null,
  path,
  objectName: `runs/${RUN}/${id}`,
  contentType: 'text/plain',
  size,
  sha256: `sha${id}`,
  isPinned: false,
});
const created = (a: ArtifactDescriptor) => event('RunArtifactCreated', a);

/** The projector's combined statements against the real, migrated read model. */
describe('projector statements on Postgres', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const rows = () =>
    db.query<{ id: number; path: string | null; size: string; is_pinned: boolean }>(
      `SELECT id, path, size, is_pinned FROM artifacts WHERE run_id = $1 ORDER BY id`,
      [RUN],
    );

  beforeAll(async () => {
    db = await TestDatabase.create();
    dataSource = await new DataSource(readModelOptions(db.url, 2)).initialize();
    await migrate(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(() => db.query('DELETE FROM artifacts; DELETE FROM run_events; DELETE FROM runs'));

  it('writes several tables in one statement, each part with its own parameters', async () => {
    await writeTogether(dataSource.manager, [
      { sql: `UPDATE artifacts SET size = $1 WHERE id = $2`, params: [99, 12345] },
      bulkInsert(ARTIFACTS_TABLE, [artifactRecordOf(artifact(1, null), RUN, 1, '2026-11-26T10:00:00.000Z')]),
      null,
      bulkInsert(FILE_ARTIFACTS_TABLE, [artifactRecordOf(artifact(2, 'a.txt', 5), RUN, 2, '2026-11-26T10:00:01.000Z')]),
    ]);
    expect(await rows()).toEqual([
      { id: 1, path: null, size: '1', is_pinned: false },
      { id: 2, path: 'a.txt', size: '5', is_pinned: false },
    ]);
  });

  it('lets an upload take over its path: the row is rewritten, new id included', async () => {
    await writeTogether(dataSource.manager, independentArtifactWrites([{ runId: RUN, events: [created(artifact(1, 'a.txt', 1))] }])!);
    await writeTogether(dataSource.manager, independentArtifactWrites([{ runId: RUN, events: [created(artifact(2, 'a.txt', 2)), created(artifact(3, 'b.txt', 3))] }])!);
    expect(await rows()).toEqual([
      { id: 2, path: 'a.txt', size: '2', is_pinned: false },
      { id: 3, path: 'b.txt', size: '3', is_pinned: false },
    ]);
  });

  it('applies dependent artifact events one by one, in log order', async () => {
    const batch = [
      {
        runId: RUN,
        events: [created(artifact(1, null)), event('RunArtifactPinChanged', { artifactId: 1, isPinned: true }), created(artifact(2, 'a.txt', 1)), created(artifact(3, 'a.txt', 7))],
      },
    ];
    expect(independentArtifactWrites(batch)).toBeNull();
    await dataSource.transaction((m) => projectArtifactEvents(m, batch));
    expect(await rows()).toEqual([
      { id: 1, path: null, size: '1', is_pinned: true },
      { id: 3, path: 'a.txt', size: '7', is_pinned: false },
    ]);
  });

  it('shows why: a creation and its pin in one statement would lose the pin', async () => {
    const creation = created(artifact(1, null));
    const pin = event('RunArtifactPinChanged', { artifactId: 1, isPinned: true });
    await writeTogether(dataSource.manager, [
      bulkInsert(ARTIFACTS_TABLE, [artifactRecordOf(artifact(1, null), RUN, creation.metadata.sequence, creation.metadata.createdAt)]),
      { sql: `UPDATE artifacts SET is_pinned = $1, updated_at = $2 WHERE id = $3 AND run_id = $4`, params: [true, pin.metadata.createdAt, 1, RUN] },
    ]);
    expect((await rows())[0]?.is_pinned).toBe(false);
  });

  describe('lock-free projection of a run the projector holds', () => {
    const creation = () =>
      event('RunCreated', { runId: RUN, threadId: 1, userId: 'usr_1', org: null, agent: 'trip-planner', triggerMessage: 'hi', snapshotRevision: 1 });
    const item = (e: RunEvent, streamSeq: number) => ({ event: e, streamSeq });
    const runRow = () => db.query<{ last_event_sequence: number }>(`SELECT last_event_sequence FROM runs WHERE id = $1`, [RUN]);
    const eventSeqs = async () => (await db.query<{ sequence: number }>(`SELECT sequence FROM run_events WHERE run_id = $1 ORDER BY sequence`, [RUN])).map((r) => r.sequence);

    /** The run as created and written (as the locking path would have), held at its first event. */
    async function heldRun() {
      sequence = 0;
      const created = creation();
      const state = evolveRun(null, created)!;
      await writeTogether(dataSource.manager, [bulkInsert(RUNS_TABLE, [runRecordOf(state, 1)])]);
      const held = new ProjectedRuns(10);
      held.set(state);
      return { held, state };
    }
    const outcome = (): ProjectionOutcome => ({ results: new Map(), advanced: [] });

    it('writes the run, its events and its artifacts in one guarded statement when the held state is current', async () => {
      const { held } = await heldRun();
      const upload = item(created(artifact(1, 'a.txt', 4)), 2);
      const result = outcome();
      const rest = await projectCachedRuns(dataSource, held, new Map([[RUN, [upload]]]), result);

      expect(rest.size).toBe(0);
      expect(result.advanced).toEqual([{ kind: 'run', id: RUN, sequence: 2 }]);
      expect(result.results.get(upload)).toBe('projected');
      expect((await runRow())[0]).toMatchObject({ last_event_sequence: 2 });
      expect(await eventSeqs()).toEqual([2]);
      expect(await rows()).toEqual([{ id: 1, path: 'a.txt', size: '4', is_pinned: false }]);
      expect(held.get(RUN)?.lastEventSequence).toBe(2);
    });

    it('writes nothing and hands the run back when another replica wrote it since (the guard fails)', async () => {
      const { held } = await heldRun();
      // Another projector replica projected event 2 meanwhile.
      await db.query(`UPDATE runs SET last_event_sequence = 2 WHERE id = $1`, [RUN]);
      const upload = item(created(artifact(1, 'a.txt', 4)), 3);
      const result = outcome();
      const rest = await projectCachedRuns(dataSource, held, new Map([[RUN, [upload]]]), result);

      expect([...rest.keys()]).toEqual([RUN]);
      expect(result.advanced).toEqual([]);
      expect(result.results.size).toBe(0);
      expect((await runRow())[0]?.last_event_sequence).toBe(2);
      expect(await eventSeqs()).toEqual([]);
      expect(await rows()).toEqual([]);
      expect(held.get(RUN)).toBeUndefined();
    });

    it('hands back a run whose events do not follow the held state (a gap or a duplicate)', async () => {
      const { held } = await heldRun();
      sequence = 2; // event 2 is missing: the next one made is 3
      const late = item(created(artifact(1, null)), 5);
      const rest = await projectCachedRuns(dataSource, held, new Map([[RUN, [late]]]), outcome());
      expect([...rest.keys()]).toEqual([RUN]);
      expect(await eventSeqs()).toEqual([]);
      expect(held.get(RUN)).toBeUndefined();
    });
  });
});
