import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode, canonicalRunId } from '#contracts';
import { ArtifactRecord } from '#persistence';

export interface TypedFilter {
  artifactType?: string;
  isPinned?: boolean;
}

const runNotFound = () => new DomainError(ErrorCode.RunNotFound, 'run not found');

/** Queries over the projected artifacts; user-facing ones are scoped to the run's owner. */
@Injectable()
export class ArtifactReadModel {
  constructor(private readonly dataSource: DataSource) {}

  private get rows() {
    return this.dataSource.getRepository(ArtifactRecord);
  }

  /** The canonical run id of a run `userId` owns; another user's run is as missing as an unknown one. */
  async ownedRun(userId: string, rawRunId: string): Promise<string> {
    const runId = canonicalRunId(rawRunId);
    if (runId === null) throw runNotFound();
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM runs WHERE id = $1 AND user_id = $2`, [runId, userId]);
    if (rows.length === 0) throw runNotFound();
    return runId;
  }

  /**
   * A file of a run `userId` owns, in one statement (the download path's only query): RUN_NOT_FOUND
   * for another user's or an unknown run, ARTIFACT_NOT_FOUND for a missing path.
   */
  async ownedFile(userId: string, rawRunId: string, path: string): Promise<ArtifactRecord> {
    const runId = canonicalRunId(rawRunId);
    if (runId === null) throw runNotFound();
    const rows = await this.rows
      .createQueryBuilder('a')
      .innerJoin('runs', 'r', 'r.id = a.run_id')
      .where('r.id = :runId AND r.user_id = :userId', { runId, userId })
      .andWhere(`a.kind = 'file' AND a.path = :path`, { path })
      .getMany();
    if (rows[0]) return rows[0];
    await this.ownedRun(userId, runId);
    throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact not found');
  }

  file(runId: string, path: string): Promise<ArtifactRecord | null> {
    return this.rows.findOneBy({ runId, kind: 'file', path });
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
