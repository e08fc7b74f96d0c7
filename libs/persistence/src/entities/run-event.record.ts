import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventMetadata, RunPhase, RunStatus } from '#contracts';
import { bigintAsNumber } from './transformers';

/**
 * One run event as stored in the log, plus the run's status and phase right after it, so a page of
 * events can report the status as of its last event (a client never stops polling early).
 */
@Entity({ name: 'run_events' })
// Not unique: the events of one unit share its stream sequence.
@Index('run_events_stream_seq_idx', ['streamSeq'])
export class RunEventRecord {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId: string;

  @PrimaryColumn({ type: 'integer' })
  sequence: number;

  @Column({ name: 'stream_seq', type: 'bigint', transformer: bigintAsNumber })
  streamSeq: number;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'json' })
  data: unknown;

  @Column({ type: 'json' })
  metadata: EventMetadata;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'run_status', type: 'text' })
  runStatus: RunStatus;

  @Column({ name: 'run_phase', type: 'text', nullable: true })
  runPhase: RunPhase | null;

  /** The run's event clock at this event (epoch ms, strictly increasing within the run). */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  clock: number;
}
