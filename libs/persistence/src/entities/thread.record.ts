import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Visibility } from '#contracts';
import { bigintAsNumber } from './transformers';

@Entity({ name: 'threads' })
@Index('threads_owner_idx', ['ownerId', 'id'])
export class ThreadRecord {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'owner_id', type: 'text' })
  ownerId: string;

  @Column({ type: 'text', nullable: true })
  org: string | null;

  @Column({ type: 'text' })
  project: string;

  @Column({ type: 'text' })
  visibility: Visibility;

  @Column({ name: 'message_count', type: 'integer' })
  messageCount: number;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ type: 'jsonb' })
  metadata: Record<string, unknown>;

  @Column({ type: 'integer' })
  revision: number;

  @Column({ name: 'last_event_sequence', type: 'integer' })
  lastEventSequence: number;

  @Column({ name: 'last_stream_seq', type: 'bigint', transformer: bigintAsNumber })
  lastStreamSeq: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
