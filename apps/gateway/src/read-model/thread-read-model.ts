import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ThreadSnapshot } from '#contracts';
import { ThreadRecord, threadSnapshotOf } from '#persistence';
import { decodeCursor, encodeCursor } from './cursor';

@Injectable()
export class ThreadReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async find(ownerId: string, threadId: number): Promise<ThreadSnapshot | null> {
    const row = await this.dataSource.getRepository(ThreadRecord).findOneBy({ id: threadId, ownerId });
    return row ? threadSnapshotOf(row) : null;
  }

  /** Current revision of a thread regardless of owner (a run's drift compares against it). */
  async revisionOf(threadId: number): Promise<number | null> {
    const row = await this.dataSource.getRepository(ThreadRecord).findOne({ where: { id: threadId }, select: { revision: true } });
    return row?.revision ?? null;
  }

  async list(ownerId: string, limit: number, cursor?: string): Promise<{ threads: ThreadSnapshot[]; nextCursor: string | null }> {
    const q = this.dataSource
      .getRepository(ThreadRecord)
      .createQueryBuilder('t')
      .where('t.owner_id = :ownerId', { ownerId })
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
}
