import type { RunEvent, RunSnapshot } from '#contracts';
import { evolveRun, type RunState } from '#domain';
import { runRecordOf } from '#persistence';
import { independentArtifactWrites, runArtifactEvents } from './artifact-rows';
import { bulkInsert, combine, guardedUpdate, type Queryable } from './bulk-write';
import { foldBatch, type ProjectionItem, type ProjectionOutcome } from './fold-batch';
import { eventRowsOf, RUN_EVENTS_TABLE, RUNS_TABLE } from './read-model-tables';

/** Runs this projector wrote last, as it wrote them: the state to fold the next events onto. */
export class ProjectedRuns {
  private readonly runs = new Map<string, RunSnapshot>();

  constructor(private readonly capacity: number) {}

  get(id: string): RunSnapshot | undefined {
    return this.runs.get(id);
  }

  set(state: RunSnapshot): void {
    this.runs.delete(state.id);
    this.runs.set(state.id, state);
    // Oldest written first out.
    if (this.runs.size > this.capacity) this.runs.delete(this.runs.keys().next().value as string);
  }

  forget(id: string): void {
    this.runs.delete(id);
  }
}

/** Only rows of runs the guarded update advanced. */
const ADVANCED = 'x.run_id IN (SELECT id FROM advanced)';

/**
 * Projects the runs whose last written state this projector still holds, in one statement and
 * without a transaction or a lock: the runs row is updated only where its last_event_sequence is
 * still the one folded onto, and the event and artifact rows only for the runs so updated.
 * Another projector replica that wrote a run in between makes that run's guard fail; it is then
 * forgotten here and left, with runs not held or not folding cleanly (a duplicate or a gap), for
 * the locking path. Returns those runs' groups.
 */
export async function projectCachedRuns(
  db: Queryable,
  cache: ProjectedRuns,
  groups: Map<string, ProjectionItem<RunEvent>[]>,
  outcome: ProjectionOutcome,
): Promise<Map<string, ProjectionItem<RunEvent>[]>> {
  const rest = new Map(groups);
  const folds = [];
  for (const [id, items] of groups) {
    const held = cache.get(id);
    if (!held) continue;
    const folded = foldBatch(held as RunState, held.lastEventSequence, items, evolveRun);
    if (folded.applied.length !== items.length || !folded.state) {
      cache.forget(id);
      continue;
    }
    folds.push({ id, expected: held.lastEventSequence, folded, state: folded.state });
  }
  if (folds.length === 0) return rest;
  const artifactBatch = folds.map(({ id, folded }) => runArtifactEvents(id, folded.applied)).filter((b) => b !== null);
  const artifactWrites = independentArtifactWrites(artifactBatch, ADVANCED);
  if (!artifactWrites) return rest;

  const runRows = folds.map(({ folded, state, expected }) => {
    const last = folded.applied.at(-1) as (typeof folded.applied)[number];
    return { row: runRecordOf(state, last.item.streamSeq), expected };
  });
  const eventRows = folds.flatMap(({ id, folded }) => eventRowsOf(id, folded.applied));
  const [sql, params] = combine(
    [
      { name: 'advanced', write: guardedUpdate(RUNS_TABLE, runRows, 'last_event_sequence') },
      { name: 'events', write: bulkInsert(RUN_EVENTS_TABLE, eventRows, ADVANCED)! },
      ...artifactWrites.map((write, i) => ({ name: `artifacts${i}`, write })),
    ],
    'SELECT id FROM advanced',
  );
  const advanced = new Set(((await db.query(sql, params)) as { id: string }[]).map((r) => r.id));
  for (const { id, folded, state } of folds) {
    if (!advanced.has(id)) {
      cache.forget(id);
      continue;
    }
    rest.delete(id);
    folded.results.forEach((result, item) => outcome.results.set(item, result));
    outcome.advanced.push({ kind: 'run', id, sequence: state.lastEventSequence });
    cache.set(state);
  }
  return rest;
}
