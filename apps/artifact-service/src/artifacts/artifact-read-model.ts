import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode, canonicalRunId, type Viewer } from '#contracts';
import { ArtifactRecord, visibleTo } from '#persistence';

export interface TypedFilter {
  artifactType?: string;
  isPinned?: boolean;
}

const runNotFound = () => new DomainError(ErrorCode.RunNotFound, 'run not found');

/** Queries over the projected artifacts; user-facing ones only see runs the viewer may see. */
@Injectable()
export class ArtifactReadModel {
  constructor(private readonly dataSource: DataSource) {}

  private get rows() {
    return this.dataSource.getRepository(ArtifactRecord);
  }

  /** The canonical run id of a run the viewer may see; any other is as missing as an unknown one. */
  async visibleRun(viewer: Viewer, rawRunId: string): Promise<string> {
    const runId = canonicalRunId(rawRunId);
    if (runId === null) throw runNotFound();
    const visible = visibleTo('r', viewer);
    const found = await this.dataSource
      .createQueryBuilder()
      .select('1')
      .from('runs', 'r')
      .where('r.id = :runId', { runId })
      .andWhere(visible.sql, visible.params)
      .getRawOne();
    if (!found) throw runNotFound();
    return runId;
  }

  /**
   * A file of a run the viewer may see, in one statement (the download path's only query):
   * RUN_NOT_FOUND for a run not visible or unknown, ARTIFACT_NOT_FOUND for a missing path.
   */
  async visibleFile(viewer: Viewer, rawRunId: string, path: string): Promise<ArtifactRecord> {
    const runId = canonicalRunId(rawRunId);
    if (runId === null) throw runNotFound();
    const visible = visibleTo('r', viewer);
    const rows = await this.rows
      .createQueryBuilder('a')
      .innerJoin('runs', 'r', 'r.id = a.run_id')
      .where('r.id = :runId', { runId })
      .andWhere(visible.sql, visible.params)
      .andWhere(`a.kind = 'file' AND a.path = :path`, { path })
      .getMany();
    if (rows[0]) return rows[0];
    await this.visibleRun(viewer, runId);
    throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact not found');
  }

  file(runId: string, path: string): Promise<ArtifactRecord | null> {
    return this.rows.findOneBy({ runId, kind: 'file', path });
  }

  fileById(id: number): Promise<ArtifactRecord | null> {
    return this.rows.findOneBy({ id, kind: 'file' });
  }

  files(runId: string): Promise<ArtifactRecord[]> {
    return this.rows.find({ where: { runId, kind: 'file' }, order: { path: 'ASC' } });
  }

  typed(runId: string, filter: TypedFilter): Promise<ArtifactRecord[]> {
    // Absent filters are left out of the condition (TypeORM refuses undefined values).
    return this.rows.find({
      where: {
        runId,
        kind: 'typed',
        ...(filter.artifactType === undefined ? {} : { artifactType: filter.artifactType }),
        ...(filter.isPinned === undefined ? {} : { isPinned: filter.isPinned }),
      },
      order: { id: 'ASC' },
    });
  }

  async typedOne(runId: string, rawId: string): Promise<ArtifactRecord> {
    const id = /^\d{1,9}$/.test(rawId) ? Number(rawId) : null;
    const row = id === null ? null : await this.rows.findOneBy({ id, runId, kind: 'typed' });
    if (!row) throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact not found');
    return row;
  }

  byObjectName(runId: string, objectName: string): Promise<ArtifactRecord | null> {
    return this.rows.findOneBy({ runId, objectName });
  }

  /** Of `names`, those some artifact row references. */
  async referenced(names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows: { object_name: string }[] = await this.dataSource.query(
      `SELECT object_name FROM artifacts WHERE object_name = ANY($1)`,
      [names],
    );
    return new Set(rows.map((r) => r.object_name));
  }
}
