import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { canSeeSql, type EventMetadata, type RunPhase, type RunSnapshot, type RunStatus, type Viewer } from '#contracts';
import { RunRecord, runSnapshotOf, visibleTo } from '#persistence';
import { decodeCursor, encodeCursor } from './cursor';
import { degradedSql, refuseDegraded } from './degraded';

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

export interface ProjectRunFilter {
  /** Nothing can match (a filter for a kind of run there is none of). */
  none?: boolean;
  id?: string;
  statuses?: RunStatus[];
  agent?: string;
  agentVersion?: string | null;
  startedBy?: string;
  since?: Date;
  until?: Date;
  sort: 'started_at' | 'updated_at';
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface VisibleRunFilter {
  threadId?: number;
  status?: RunStatus;
  limit: number;
  before?: { createdAt: string; id: string };
}

export interface RunFilter {
  status?: RunStatus;
  threadId?: number;
  limit: number;
  cursor?: string;
}

/** Queries over the runs projection; a run the viewer may not see is as missing as an unknown one. */
@Injectable()
export class RunReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async find(viewer: Viewer, runId: string): Promise<RunSnapshot | null> {
    return (await this.findRow(viewer, runId, false))?.run ?? null;
  }

  /** The run and its thread's current revision, in one statement (a second query was a fifth of a `GET`'s cost). */
  findWithThreadRevision(viewer: Viewer, runId: string): Promise<{ run: RunSnapshot; threadRevision: number | null } | null> {
    return this.findRow(viewer, runId, true);
  }

  private async findRow(viewer: Viewer, runId: string, withThreadRevision: boolean): Promise<{ run: RunSnapshot; threadRevision: number | null } | null> {
    const visible = visibleTo('r', viewer);
    const q = this.dataSource
      .getRepository(RunRecord)
      .createQueryBuilder('r')
      .where('r.id = :runId', { runId })
      .andWhere(visible.sql, visible.params)
      .addSelect(degradedSql('run', 'r.id::text'), 'degraded');
    if (withThreadRevision) q.addSelect('(SELECT t.revision FROM threads t WHERE t.id = r.thread_id)', 'thread_revision');
    const row = await q.getRawAndEntities();
    const [entity] = row.entities;
    if (!entity) return null;
    const raw = row.raw[0] as { degraded: boolean; thread_revision?: number | string | null };
    refuseDegraded(raw);
    return { run: runSnapshotOf(entity), threadRevision: raw.thread_revision == null ? null : Number(raw.thread_revision) };
  }

  /** The caller's own runs (Travelmode's list), newest first. */
  async list(viewer: Viewer, filter: RunFilter): Promise<{ runs: RunSnapshot[]; nextCursor: string | null }> {
    const q = this.dataSource
      .getRepository(RunRecord)
      .createQueryBuilder('r')
      .where('r.user_id = :userId AND r.org IS NOT DISTINCT FROM :org', { userId: viewer.userId, org: viewer.org })
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
   * Runs the viewer may see, newest first: those of the viewer's org (seed 003's org-wide list),
   * or of one thread. `before` is the last run of the previous page (keyset on creation time
   * and id: no overlap or gap while runs are being created, new ones come first).
   */
  async listVisible(viewer: Viewer, filter: VisibleRunFilter): Promise<{ runs: RunSnapshot[]; more: boolean }> {
    const visible = visibleTo('r', viewer);
    const q = this.dataSource
      .getRepository(RunRecord)
      .createQueryBuilder('r')
      .where(visible.sql, visible.params)
      .orderBy('r.createdAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(filter.limit + 1);
    if (filter.threadId !== undefined) q.andWhere('r.thread_id = :threadId', { threadId: filter.threadId });
    else q.andWhere('r.org IS NOT DISTINCT FROM :org', { org: viewer.org });
    if (filter.status) q.andWhere('r.status = :status', { status: filter.status });
    if (filter.before) q.andWhere('(r.created_at, r.id) < (:createdAt, :id)', { createdAt: filter.before.createdAt, id: filter.before.id });
    const rows = await q.getMany();
    const page = rows.slice(0, filter.limit).map(runSnapshotOf);
    return { runs: page, more: rows.length > filter.limit };
  }

  /**
   * Runs the viewer may see in their org and project (Vertesia's list), with filters, sorted by
   * start or update (both indexed with org and project), offset-paged, and the total.
   */
  async listInProject(viewer: Viewer, filter: ProjectRunFilter): Promise<{ runs: RunSnapshot[]; total: number; offset: number }> {
    if (filter.none) return { runs: [], total: 0, offset: filter.offset };
    const visible = visibleTo('r', viewer);
    const q = this.dataSource
      .getRepository(RunRecord)
      .createQueryBuilder('r')
      .where('r.org IS NOT DISTINCT FROM :org AND r.project = :project', { org: viewer.org, project: viewer.project })
      .andWhere(visible.sql, visible.params);
    if (filter.statuses) q.andWhere('r.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.agent) q.andWhere('r.agent = :agent', { agent: filter.agent });
    if (filter.agentVersion) q.andWhere('r.agent_version = :agentVersion', { agentVersion: filter.agentVersion });
    if (filter.startedBy) q.andWhere('r.user_id = :startedBy', { startedBy: filter.startedBy });
    if (filter.id) q.andWhere('r.id::text = :id', { id: filter.id });
    if (filter.since) q.andWhere('r.started_at >= :since', { since: filter.since });
    if (filter.until) q.andWhere('r.started_at < :until', { until: filter.until });
    const column = filter.sort === 'updated_at' ? 'r.updatedAt' : 'r.startedAt';
    const order = filter.order === 'asc' ? 'ASC' : 'DESC';
    const [rows, total] = await q
      .orderBy(column, order, order === 'DESC' ? 'NULLS LAST' : 'NULLS FIRST')
      .addOrderBy('r.id', order)
      .offset(filter.offset)
      .limit(filter.limit)
      .getManyAndCount();
    return { runs: rows.map(runSnapshotOf), total, offset: filter.offset };
  }

  /**
   * A run's events after a point of its event clock (Vertesia's `since`, epoch ms), in order,
   * at most `limit`, each with its clock; null when the viewer may not see the run.
   */
  async eventsAfterClock(viewer: Viewer, runId: string, clock: number, limit: number): Promise<(StoredRunEvent & { clock: number })[] | null> {
    if (!(await this.find(viewer, runId))) return null;
    const rows: (StoredRunEvent & { clock: string })[] = await this.dataSource.query(
      `SELECT sequence, type, data, metadata, clock,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"
         FROM run_events WHERE run_id = $1 AND clock > $2 AND sequence > 0 ORDER BY sequence LIMIT $3`,
      [runId, clock, limit],
    );
    return rows.map((r) => ({ ...r, clock: Number(r.clock) }));
  }

  /**
   * Events after `since`, read in one statement (one snapshot) with the run's status, so the status
   * never runs ahead of the events returned. Cost follows the events returned, not the run's length.
   */
  async events(viewer: Viewer, runId: string, since: number, limit: number): Promise<RunEventsPage | null> {
    const where = canSeeSql({ owner: 'r.user_id', org: 'r.org', project: 'r.project', visibility: 'r.visibility' }, { user: '$2', org: '$5', project: '$6' });
    const rows: { degraded: boolean; status: RunStatus; phase: RunPhase | null; events: StoredRunEvent[] | null; last: { s: RunStatus; p: RunPhase | null } | null }[] =
      await this.dataSource.query(
        `SELECT r.status, r.phase, page.events, page.last, ${degradedSql('run', 'r.id::text')} AS degraded
           FROM runs r
           LEFT JOIN LATERAL (
             SELECT json_agg(json_build_object(
                      'sequence', e.sequence, 'type', e.type, 'data', e.data, 'metadata', e.metadata,
                      'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                      ORDER BY e.sequence) AS events,
                    (array_agg(json_build_object('s', e.run_status, 'p', e.run_phase) ORDER BY e.sequence DESC))[1] AS last
               FROM (SELECT * FROM run_events WHERE run_id = r.id AND sequence > $3 ORDER BY sequence LIMIT $4) e
           ) page ON true
          WHERE r.id = $1 AND ${where}`,
        [runId, viewer.userId, since, limit, viewer.org, viewer.project],
      );
    const row = rows[0];
    if (!row) return null;
    refuseDegraded(row);
    return {
      events: row.events ?? [],
      status: row.last?.s ?? row.status,
      phase: row.last ? row.last.p : row.phase,
    };
  }
}
