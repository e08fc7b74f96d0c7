import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EventMetadata, RunPhase, RunSnapshot, RunStatus } from '#contracts';
import { RunRecord, runSnapshotOf } from '#persistence';
import { decodeCursor, encodeCursor } from './cursor';

export interface StoredRunEvent {
  sequence: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  createdAt: string;
}

export interface RunEventsPage {
  events: StoredRunEvent[];
  /** Status and phase as of the page's last event, so a client never stops polling early. */
  status: RunStatus;
  phase: RunPhase | null;
}

export interface RunFilter {
  status?: RunStatus;
  threadId?: number;
  limit: number;
  cursor?: string;
}

/** Queries over the runs projection; every query is scoped to the owner. */
@Injectable()
export class RunReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async find(userId: string, runId: string): Promise<RunSnapshot | null> {
    const row = await this.dataSource.getRepository(RunRecord).findOneBy({ id: runId, userId });
    return row ? runSnapshotOf(row) : null;
  }

  async list(userId: string, filter: RunFilter): Promise<{ runs: RunSnapshot[]; nextCursor: string | null }> {
    const q = this.dataSource
      .getRepository(RunRecord)
      .createQueryBuilder('r')
      .where('r.user_id = :userId', { userId })
      .orderBy('r.createdAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.status) q.andWhere('r.status = :status', { status: filter.status });
    if (filter.threadId !== undefined) q.andWhere('r.thread_id = :threadId', { threadId: filter.threadId });
    if (filter.cursor) {
      const c = decodeCursor(filter.cursor, 'uuid');
      q.andWhere('(r.created_at, r.id) < (:createdAt, :id)', { createdAt: c.createdAt, id: c.id });
    }
    const rows = await q.getMany();
    const page = rows.slice(0, filter.limit).map(runSnapshotOf);
    const last = page.at(-1);
    return {
      runs: page,
      nextCursor: rows.length > filter.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /**
   * Events after `since`, read in one statement (one snapshot) with the run's status, so the status
   * never runs ahead of the events returned. Cost follows the events returned, not the run's length.
   */
  async events(userId: string, runId: string, since: number, limit: number): Promise<RunEventsPage | null> {
    const rows: { status: RunStatus; phase: RunPhase | null; events: StoredRunEvent[] | null; last: { s: RunStatus; p: RunPhase | null } | null }[] =
      await this.dataSource.query(
        `SELECT r.status, r.phase, page.events, page.last
           FROM runs r
           LEFT JOIN LATERAL (
             SELECT json_agg(json_build_object(
                      'sequence', e.sequence, 'type', e.type, 'data', e.data, 'metadata', e.metadata,
                      'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                      ORDER BY e.sequence) AS events,
                    (array_agg(json_build_object('s', e.run_status, 'p', e.run_phase) ORDER BY e.sequence DESC))[1] AS last
               FROM (SELECT * FROM run_events WHERE run_id = r.id AND sequence > $3 ORDER BY sequence LIMIT $4) e
           ) page ON true
          WHERE r.id = $1 AND r.user_id = $2`,
        [runId, userId, since, limit],
      );
    const row = rows[0];
    if (!row) return null;
    return {
      events: row.events ?? [],
      status: row.last?.s ?? row.status,
      phase: row.last ? row.last.p : row.phase,
    };
  }
}
