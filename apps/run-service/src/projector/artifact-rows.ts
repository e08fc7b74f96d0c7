import type { EntityManager } from 'typeorm';
import type { RunEvent } from '#contracts';
import { artifactRecordOf } from '#persistence';
import { bulkWrite } from './bulk-write';
import { ARTIFACTS_TABLE } from './read-model-tables';

/**
 * Applies a run's artifact events to the `artifacts` table, in log order, inside the projector's
 * transaction. Only events the fold applied reach here, so each runs once per (run, sequence).
 */
export async function projectArtifactEvents(m: EntityManager, runId: string, events: RunEvent[]): Promise<void> {
  for (const event of events) {
    const { sequence, createdAt } = event.metadata;
    if (event.type === 'RunArtifactCreated') {
      const artifact = event.data;
      // Replace semantics: the latest upload to a path wins; the superseded object is left to the sweeper.
      if (artifact.kind === 'file')
        await m.query(`DELETE FROM artifacts WHERE kind = 'file' AND run_id = $1 AND path = $2 AND id <> $3`, [
          runId,
          artifact.path,
          artifact.id,
        ]);
      await bulkWrite(m, ARTIFACTS_TABLE, [artifactRecordOf(artifact, runId, sequence, createdAt)]);
    } else if (event.type === 'RunArtifactPinChanged') {
      await m.query(`UPDATE artifacts SET is_pinned = $1, updated_at = $2 WHERE id = $3 AND run_id = $4`, [
        event.data.isPinned,
        createdAt,
        event.data.artifactId,
        runId,
      ]);
    }
  }
}
