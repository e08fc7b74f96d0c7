import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ThreadMessageRole } from '#contracts';

/** One message of a thread's conversation. */
@Entity({ name: 'thread_messages' })
export class ThreadMessageRecord {
  @PrimaryColumn({ name: 'thread_id', type: 'integer' })
  threadId: number;

  @PrimaryColumn({ type: 'integer' })
  position: number;

  @Column({ name: 'message_id', type: 'text' })
  messageId: string;

  @Column({ type: 'text' })
  role: ThreadMessageRole;

  @Column({ type: 'text' })
  content: string;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
