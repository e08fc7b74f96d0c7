import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SUBJECTS, type RunEvent } from '#contracts';
import { EventStore, type StoredEvent } from '#messaging';
import { RunRecord, runSnapshotOf } from '#persistence';
import type { RunSnapshot } from '#contracts';

/**
 * A run's past: its owner-visible state from the read model, and its events after a sequence read
 * from JetStream, starting at the stream position the read model maps that sequence to, so the
 * cost follows the events missed, not the run's length.
 */
@Injectable()
export class RunHistory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
  ) {}

  async run(runId: string): Promise<RunSnapshot | null> {
    const row = await this.dataSource.getRepository(RunRecord).findOneBy({ id: runId });
    return row ? runSnapshotOf(row) : null;
  }

  /** Events with sequence > `after`, in order, up to the subject's end now. */
  async after(runId: string, after: number): Promise<StoredEvent<RunEvent>[]> {
    const rows: { stream_seq: string }[] = await this.dataSource.query(
      'SELECT stream_seq FROM run_events WHERE run_id = $1 AND sequence <= $2 ORDER BY sequence DESC LIMIT 1',
      [runId, after],
    );
    // The projected event at or before `after`: start right behind it (0: the subject's beginning).
    const start = rows[0] ? Number(rows[0].stream_seq) : 0;
    const events = await this.store.read<RunEvent>(SUBJECTS.runEvents(runId), start);
    return events.filter((e) => e.event.metadata.sequence > after);
  }
}
