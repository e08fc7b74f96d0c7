import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ThreadSnapshot, Viewer } from '#contracts';
import { ThreadMessageRecord, ThreadRecord, threadSnapshotOf, visibleTo } from '#persistence';
import { decodeCursor, encodeCursor } from './cursor';
import { degradedSql, refuseDegraded } from './degraded';

@Injectable()
export class ThreadReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** A thread the viewer may see, or null (not visible is as missing as unknown). */
  async find(viewer: Viewer, threadId: number): Promise<ThreadSnapshot | null> {
    const visible = visibleTo('t', viewer, 'owner_id');
    const row = await this.dataSource
      .getRepository(ThreadRecord)
      .createQueryBuilder('t')
      .where('t.id = :threadId', { threadId })
      .andWhere(visible.sql, visible.params)
      .addSelect(degradedSql('thread', 't.id::text'), 'degraded')
      .getRawAndEntities();
    const [entity] = row.entities;
    if (!entity) return null;
    refuseDegraded(row.raw[0] as { degraded: boolean });
    return threadSnapshotOf(entity);
  }

  async list(viewer: Viewer, limit: number, cursor?: string): Promise<{ threads: ThreadSnapshot[]; nextCursor: string | null }> {
    const q = this.dataSource
      .getRepository(ThreadRecord)
      .createQueryBuilder('t')
      .where('t.owner_id = :ownerId AND t.org IS NOT DISTINCT FROM :org', { ownerId: viewer.userId, org: viewer.org })
      .orderBy('t.id', 'DESC')
      .limit(limit + 1);
    if (cursor) q.andWhere('t.id < :id', { id: Number(decodeCursor(cursor, 'int').id) });
    const rows = await q.getMany();
    const page = rows.slice(0, limit).map(threadSnapshotOf);
    const last = page.at(-1);
    return {
      threads: page,
      nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: String(last.id) }) : null,
    };
  }

  /** Messages of a thread after a position, in order. */
  messages(threadId: number, after: number, limit: number): Promise<ThreadMessageRecord[]> {
    return this.dataSource
      .getRepository(ThreadMessageRecord)
      .createQueryBuilder('m')
      .where('m.thread_id = :threadId AND m.position > :after', { threadId, after })
      .orderBy('m.position', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The message with this id (the one a command just appended). */
  message(threadId: number, messageId: string): Promise<ThreadMessageRecord | null> {
    return this.dataSource.getRepository(ThreadMessageRecord).findOneBy({ threadId, messageId });
  }
}
