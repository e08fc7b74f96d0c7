import type { RunEvent, RunSnapshot } from '#contracts';
import { evolveRun, type RunState } from '#domain';
import { runRecordOf, type RunEventRecord, type RunRecord } from '#persistence';
import { independentArtifactWrites, type RunArtifactEvents } from './artifact-rows';
import { bulkInsert, combine, guardedUpdate, type Queryable } from './bulk-write';
import { foldBatch, type ItemResult, type ProjectionItem } from './fold-batch';
import { RUN_EVENTS_TABLE, RUNS_TABLE } from './read-model-tables';

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

export interface ProjectionOutcome {
  results: Map<ProjectionItem, ItemResult>;
  /** Aggregates that advanced, with the sequence they are now projected to. */
  advanced: { kind: 'run' | 'thread'; id: string; sequence: number }[];
}

/** Rows of one run's applied events, as the read model stores them. */
export function eventRowsOf(id: string, applied: { item: ProjectionItem<RunEvent>; stateAfter: RunState }[]): RunEventRecord[] {
  return applied.map(({ item, stateAfter }) => ({
    runId: id,
    sequence: item.event.metadata.sequence,
    streamSeq: item.streamSeq,
    type: item.event.type,
    data: item.event.data,
    metadata: item.event.metadata,
    createdAt: new Date(item.event.metadata.createdAt),
    runStatus: stateAfter?.status ?? 'pending',
    runPhase: stateAfter?.phase ?? null,
  }));
}

export const artifactEventsOf = (events: RunEvent[]) => events.filter((e) => e.type.startsWith('RunArtifact'));

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
  const artifactBatch: RunArtifactEvents[] = folds
    .map(({ id, folded }) => ({ runId: id, events: artifactEventsOf(folded.applied.map((f) => f.item.event)) }))
    .filter((b) => b.events.length > 0);
  const artifactWrites = independentArtifactWrites(artifactBatch, ADVANCED);
  if (!artifactWrites) return rest;

  const runRows = folds.map(({ folded, state, expected }) => {
    const last = folded.applied.at(-1) as (typeof folded.applied)[number];
    return { row: runRecordOf(state, last.item.streamSeq) as RunRecord, expected };
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
