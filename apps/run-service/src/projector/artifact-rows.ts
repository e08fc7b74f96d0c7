import type { RunEvent } from '#contracts';
import { artifactRecordOf } from '#persistence';
import { bulkInsert, writeTogether, type Queryable, type Write } from './bulk-write';
import { ARTIFACTS_TABLE, FILE_ARTIFACTS_TABLE } from './read-model-tables';

/** A run's artifact events (only those the fold applied, so each once per run and sequence). */
export interface RunArtifactEvents {
  runId: string;
  events: RunEvent[];
}

/** A run's artifact events among those the fold applied; null when there are none. */
export function runArtifactEvents(runId: string, applied: { item: { event: RunEvent } }[]): RunArtifactEvents | null {
  const events = applied.map((f) => f.item.event).filter((e) => e.type.startsWith('RunArtifact'));
  return events.length > 0 ? { runId, events } : null;
}

/** The write for one artifact event (none for other events). */
function writeOf(runId: string, event: RunEvent, gate?: string): Write | null {
  const { sequence, createdAt } = event.metadata;
  if (event.type === 'RunArtifactCreated') {
    const artifact = event.data;
    // Files replace the row at their path (the superseded object is left to the sweeper).
    const table = artifact.kind === 'file' ? FILE_ARTIFACTS_TABLE : ARTIFACTS_TABLE;
    return bulkInsert(table, [artifactRecordOf(artifact, runId, sequence, createdAt)], gate);
  }
  if (event.type === 'RunArtifactPinChanged')
    return {
      sql: `UPDATE artifacts SET is_pinned = $1, updated_at = $2 WHERE id = $3 AND run_id = $4`,
      params: [event.data.isPinned, createdAt, event.data.artifactId, runId],
    };
  return null;
}

/**
 * The batch's artifact writes when they can share one statement with the rest of the batch's
 * writes: creations only, of distinct artifacts at distinct paths, so no write depends on
 * another's effect. Otherwise null, and `projectArtifactEvents` applies them one by one. `gate`
 * (a condition on the row `x`) limits them to some runs.
 */
export function independentArtifactWrites(batch: RunArtifactEvents[], gate?: string): Write[] | null {
  const keys = new Set<string>();
  const writes: Write[] = [];
  for (const { runId, events } of batch)
    for (const event of events) {
      if (event.type !== 'RunArtifactCreated') return null;
      const { id, path } = event.data;
      for (const key of [`id:${id}`, `path:${runId}:${path ?? `#${id}`}`]) {
        if (keys.has(key)) return null;
        keys.add(key);
      }
      writes.push(writeOf(runId, event, gate) as Write);
    }
  return writes;
}

/** Applies the batch's artifact events to the `artifacts` table in log order, one statement each. */
export async function projectArtifactEvents(m: Queryable, batch: RunArtifactEvents[]): Promise<void> {
  for (const { runId, events } of batch) for (const event of events) await writeTogether(m, [writeOf(runId, event)]);
}
