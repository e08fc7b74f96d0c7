import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The read model: projections of RUN_EVENTS only; every row can be rebuilt from the log. */
export class ReadModel1764000000000 implements MigrationInterface {
  name = 'ReadModel1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY,
        thread_id integer NOT NULL,
        user_id text NOT NULL,
        org text,
        agent text NOT NULL,
        trigger_message text NOT NULL,
        status text NOT NULL,
        phase text,
        attempt integer NOT NULL,
        snapshot_revision integer NOT NULL,
        cancel_reason text,
        error_message text,
        result jsonb,
        last_event_sequence integer NOT NULL,
        last_stream_seq bigint NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX runs_user_created_idx ON runs (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX runs_user_status_created_idx ON runs (user_id, status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX runs_thread_idx ON runs (thread_id, created_at DESC)`);
    await q.query(`CREATE INDEX runs_org_created_idx ON runs (org, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE run_events (
        run_id uuid NOT NULL,
        sequence integer NOT NULL,
        stream_seq bigint NOT NULL,
        type text NOT NULL,
        -- json, not jsonb: event bodies are written once and read whole, never queried inside.
        data json NOT NULL,
        metadata json NOT NULL,
        created_at timestamptz NOT NULL,
        run_status text NOT NULL,
        run_phase text,
        PRIMARY KEY (run_id, sequence)
      )`);
    await q.query(`CREATE UNIQUE INDEX run_events_stream_seq_idx ON run_events (stream_seq)`);
    await q.query(`
      CREATE TABLE threads (
        id integer PRIMARY KEY,
        owner_id text NOT NULL,
        org text,
        title text,
        metadata jsonb NOT NULL,
        revision integer NOT NULL,
        last_event_sequence integer NOT NULL,
        last_stream_seq bigint NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX threads_owner_idx ON threads (owner_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE threads`);
    await q.query(`DROP TABLE run_events`);
    await q.query(`DROP TABLE runs`);
  }
}
