import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Aggregates the projector stopped projecting: the first event it could not write after its tries
 * (the log keeps it; the read model says the aggregate is degraded until it is rebuilt).
 */
export class ProjectionFaults1764400000000 implements MigrationInterface {
  name = 'ProjectionFaults1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_faults (
        aggregate_kind text NOT NULL,
        aggregate_id text NOT NULL,
        sequence integer NOT NULL,
        stream_seq bigint NOT NULL,
        event_type text NOT NULL,
        error_code text NOT NULL,
        faulted_at timestamptz NOT NULL,
        PRIMARY KEY (aggregate_kind, aggregate_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE projection_faults`);
  }
}
