import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SUBJECTS, type RunEvent } from '#contracts';
import { evolveRun, type RunState } from '#domain';
import { EventStore, type StoredEvent } from '#messaging';
import { RunRecord, runSnapshotOf } from '#persistence';
import { isOutage } from '#platform';
import type { RunSnapshot } from '#contracts';

/** Events read per page when folding a run from the log. */
const FOLD_PAGE = 1_000;

/**
 * A run's past: its owner-visible state from the read model, and its events after a sequence read
 * from JetStream, starting at the stream position the read model maps that sequence to, so the
 * cost follows the events missed, not the run's length. While Postgres is away the same answers
 * come from the log itself (a fold over the run's events): slower, but streams keep opening.
 */
@Injectable()
export class RunHistory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
  ) {}

  async run(runId: string): Promise<RunSnapshot | null> {
    return this.orFromLog(
      async () => {
        const row = await this.dataSource.getRepository(RunRecord).findOneBy({ id: runId });
        return row ? runSnapshotOf(row) : null;
      },
      async () => (await this.fold(runId, () => false)).state,
    );
  }

  /** The stream position to read after for events past `sequence` (0: the subject's beginning). */
  async startAfter(runId: string, sequence: number): Promise<number> {
    return this.orFromLog(
      async () => {
        const rows: { stream_seq: string }[] = await this.dataSource.query(
          'SELECT stream_seq FROM run_events WHERE run_id = $1 AND sequence <= $2 ORDER BY sequence DESC LIMIT 1',
          [runId, sequence],
        );
        // From the message holding that event: a unit may hold later events too (the session drops those it has sent).
        return rows[0] ? Number(rows[0].stream_seq) - 1 : 0;
      },
      // From the beginning: the session skips what is not after `sequence`.
      async () => 0,
    );
  }

  /** The sequence of the run's last event at or before an instant of its event clock (0 before any). */
  async sequenceAt(runId: string, clock: number): Promise<number> {
    return this.orFromLog(
      async () => {
        const rows: { sequence: number | null }[] = await this.dataSource.query(
          'SELECT max(sequence) AS sequence FROM run_events WHERE run_id = $1 AND clock <= $2',
          [runId, clock],
        );
        return rows[0]?.sequence ?? 0;
      },
      async () => (await this.fold(runId, (_, at) => at > clock)).sequence,
    );
  }

  /** The run's event clock at its last projected event up to `sequence` (0 before any). */
  async clockAt(runId: string, sequence: number): Promise<number> {
    return this.orFromLog(
      async () => {
        const rows: { clock: string }[] = await this.dataSource.query(
          'SELECT clock FROM run_events WHERE run_id = $1 AND sequence <= $2 ORDER BY sequence DESC LIMIT 1',
          [runId, sequence],
        );
        return rows[0] ? Number(rows[0].clock) : 0;
      },
      async () => (await this.fold(runId, (s) => s > sequence)).clock,
    );
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

  private async orFromLog<T>(fromReadModel: () => Promise<T>, fromLog: () => Promise<T>): Promise<T> {
    try {
      return await fromReadModel();
    } catch (error) {
      if (!isOutage(error)) throw error;
      return fromLog();
    }
  }

  /**
   * The run folded from its events until `stop(sequence, clock)` holds for the next one: its
   * state, last sequence and event clock (the same clock the projector writes).
   */
  private async fold(runId: string, stop: (sequence: number, clock: number) => boolean) {
    let state: RunState = null;
    let sequence = 0;
    let clock = 0;
    for (let after = 0; ; ) {
      const page = await this.page(runId, after, FOLD_PAGE);
      for (const { event, streamSeq } of page) {
        const next = evolveRun(state, event);
        if (stop(event.metadata.sequence, next?.clock ?? 0)) return { state, sequence, clock };
        state = next;
        sequence = event.metadata.sequence;
        clock = next?.clock ?? 0;
        after = streamSeq;
      }
      if (page.length < FOLD_PAGE) return { state, sequence, clock };
    }
  }
}
