import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ArtifactSummary, InputRequest, RunPhase, RunSnapshot, RunSpec, RunStatus, RunUsage, Visibility } from '#contracts';
import { bigintAsNumber } from './transformers';

/** Projection of a run: exactly the fields of `RunSnapshot`, plus where the projector is in the log. */
@Entity({ name: 'runs' })
@Index('runs_user_created_idx', ['userId', 'createdAt', 'id'])
@Index('runs_user_status_created_idx', ['userId', 'status', 'createdAt', 'id'])
@Index('runs_thread_idx', ['threadId', 'createdAt'])
@Index('runs_org_created_idx', ['org', 'createdAt', 'id'])
export class RunRecord {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'thread_id', type: 'integer', nullable: true })
  threadId: number | null;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ type: 'text', nullable: true })
  org: string | null;

  @Column({ type: 'text' })
  project: string;

  @Column({ type: 'text' })
  visibility: Visibility;

  @Column({ type: 'text' })
  agent: string;

  @Column({ name: 'agent_version', type: 'text', nullable: true })
  agentVersion: string | null;

  @Column({ name: 'trace_id', type: 'text', nullable: true })
  traceId: string | null;

  @Column({ type: 'jsonb' })
  spec: RunSpec;

  @Column({ name: 'trigger_message', type: 'text' })
  triggerMessage: string;

  @Column({ type: 'text' })
  status: RunStatus;

  @Column({ type: 'text', nullable: true })
  phase: RunPhase | null;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ name: 'snapshot_revision', type: 'integer' })
  snapshotRevision: number;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ type: 'jsonb', nullable: true })
  result: unknown;

  @Column({ name: 'last_event_sequence', type: 'integer' })
  lastEventSequence: number;

  @Column({ name: 'last_stream_seq', type: 'bigint', transformer: bigintAsNumber })
  lastStreamSeq: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'worker_id', type: 'text', nullable: true })
  workerId: string | null;

  @Column({ type: 'integer' })
  redispatches: number;

  @Column({ name: 'input_request', type: 'jsonb', nullable: true })
  inputRequest: InputRequest | null;

  @Column({ type: 'jsonb' })
  usage: RunUsage;

  @Column({ type: 'jsonb' })
  artifacts: ArtifactSummary[];

  @Column({ type: 'jsonb', nullable: true })
  answer: RunSnapshot['answer'];

  @Column({ type: 'jsonb' })
  description: RunSnapshot['description'];

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  clock: number;
}
