import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './transformers';

/** Projection of one artifact (typed or file); its bytes are the Object Store object `objectName`. */
@Entity({ name: 'artifacts' })
export class ArtifactRecord {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  @Column({ type: 'text' })
  kind: 'typed' | 'file';

  @Column({ name: 'artifact_type', type: 'text' })
  artifactType: string;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ type: 'text', nullable: true })
  path: string | null;

  @Column({ name: 'object_name', type: 'text' })
  objectName: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size: number;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ name: 'is_pinned', type: 'boolean' })
  isPinned: boolean;

  /** The run event that created (or last replaced) it. */
  @Column({ type: 'integer' })
  sequence: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
