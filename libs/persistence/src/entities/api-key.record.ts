import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './transformers';

/** An API key as its aggregate folds it (the secret's hash only). */
@Entity({ name: 'api_keys' })
export class ApiKeyRecord {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'owner_id', type: 'text' })
  ownerId: string;

  @Column({ type: 'text', nullable: true })
  org: string | null;

  @Column({ type: 'text' })
  project: string;

  @Column({ type: 'jsonb' })
  scopes: string[];

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Column({ type: 'text' })
  prefix: string;

  @Column({ name: 'created_by', type: 'jsonb' })
  createdBy: { name: string | null; email: string | null };

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'last_event_sequence', type: 'integer' })
  lastEventSequence: number;

  @Column({ name: 'last_stream_seq', type: 'bigint', transformer: bigintAsNumber })
  lastStreamSeq: number;
}
