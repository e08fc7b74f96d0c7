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

  /** The stream position to read after for events past `sequence` (0: the subject's beginning). */
  async startAfter(runId: string, sequence: number): Promise<number> {
    const rows: { stream_seq: string }[] = await this.dataSource.query(
      'SELECT stream_seq FROM run_events WHERE run_id = $1 AND sequence <= $2 ORDER BY sequence DESC LIMIT 1',
      [runId, sequence],
    );
    return rows[0] ? Number(rows[0].stream_seq) : 0;
  }

  /** The sequence of the run's last event at or before an instant of its event clock (0 before any). */
  async sequenceAt(runId: string, clock: number): Promise<number> {
    const rows: { sequence: number | null }[] = await this.dataSource.query(
      'SELECT max(sequence) AS sequence FROM run_events WHERE run_id = $1 AND clock <= $2',
      [runId, clock],
    );
    return rows[0]?.sequence ?? 0;
  }

  /** The run's event clock at its last projected event up to `sequence` (0 before any). */
  async clockAt(runId: string, sequence: number): Promise<number> {
    const rows: { clock: string }[] = await this.dataSource.query(
      'SELECT clock FROM run_events WHERE run_id = $1 AND sequence <= $2 ORDER BY sequence DESC LIMIT 1',
      [runId, sequence],
    );
    return rows[0] ? Number(rows[0].clock) : 0;
  }

  /** Up to `limit` events stored after stream position `after`. */
  page(runId: string, after: number, limit: number): Promise<StoredEvent<RunEvent>[]> {
    return this.store.read<RunEvent>(SUBJECTS.runEvents(runId), after, limit);
  }

  /** Sequence of the run's last stored event (-1 when it has none). */
  async lastSequence(runId: string): Promise<number> {
    const last = await this.store.last<RunEvent>(SUBJECTS.runEvents(runId));
    return last?.metadata.sequence ?? -1;
  }
}
