import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orgs, projects and visibility on runs and threads; a run's agent version, trace, spec, answer,
 * description and event clock; thread messages; API keys. Rows of v1 runs and threads get what
 * their v1 events fold to (private, the default project).
 */
export class AccessAndDialects1764300000000 implements MigrationInterface {
  name = 'AccessAndDialects1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE runs
        ALTER COLUMN thread_id DROP NOT NULL,
        ADD COLUMN project text NOT NULL DEFAULT 'default',
        ADD COLUMN visibility text NOT NULL DEFAULT 'private',
        ADD COLUMN agent_version text,
        ADD COLUMN trace_id text,
        ADD COLUMN spec jsonb,
        ADD COLUMN answer jsonb,
        ADD COLUMN description jsonb NOT NULL DEFAULT '{"name":null,"title":null,"topic":null}',
        ADD COLUMN clock bigint`);
    await q.query(`
      UPDATE runs SET
        spec = jsonb_build_object(
          'input', jsonb_build_object('message', trigger_message, 'data', null),
          'options', '{"model":null,"environment":null,"tools":null,"route":null,"interactive":true,"settings":{}}'::jsonb,
          'labels', '{"tags":[],"categories":[],"properties":{}}'::jsonb,
          'createdBy', '{"name":null,"email":null}'::jsonb,
          'phases', '[]'::jsonb, 'conversation', null, 'forkedFrom', null),
        clock = (extract(epoch FROM updated_at) * 1000)::bigint`);
    await q.query(`ALTER TABLE runs ALTER COLUMN spec SET NOT NULL, ALTER COLUMN clock SET NOT NULL`);
    // Lists: an org's runs newest first (seed 003, with a status filter), Vertesia's project lists
    // sorted by start or update.
    await q.query(`CREATE INDEX runs_org_status_created_idx ON runs (org, status, created_at, id)`);
    await q.query(`CREATE INDEX runs_org_project_started_idx ON runs (org, project, started_at, id)`);
    await q.query(`CREATE INDEX runs_org_project_updated_idx ON runs (org, project, updated_at, id)`);

    await q.query(`ALTER TABLE run_events ADD COLUMN clock bigint`);
    await q.query(`UPDATE run_events SET clock = (extract(epoch FROM created_at) * 1000)::bigint + sequence`);
    await q.query(`ALTER TABLE run_events ALTER COLUMN clock SET NOT NULL`);
    // Vertesia resumes a run's messages after an instant.
    await q.query(`CREATE INDEX run_events_clock_idx ON run_events (run_id, clock)`);

    await q.query(`
      ALTER TABLE threads
        ADD COLUMN project text NOT NULL DEFAULT 'default',
        ADD COLUMN visibility text NOT NULL DEFAULT 'private',
        ADD COLUMN message_count integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX threads_org_project_idx ON threads (org, project, id)`);
    await q.query(`
      CREATE TABLE thread_messages (
        thread_id integer NOT NULL,
        position integer NOT NULL,
        message_id text NOT NULL,
        role text NOT NULL,
        content text NOT NULL,
        run_id uuid,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (thread_id, position)
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        owner_id text NOT NULL,
        org text,
        project text NOT NULL,
        scopes jsonb NOT NULL,
        secret_hash text NOT NULL,
        prefix text NOT NULL,
        created_by jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_event_sequence integer NOT NULL,
        last_stream_seq bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX api_keys_owner_idx ON api_keys (owner_id, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE thread_messages`);
    await q.query(`DROP INDEX threads_org_project_idx`);
    await q.query(`ALTER TABLE threads DROP COLUMN project, DROP COLUMN visibility, DROP COLUMN message_count`);
    await q.query(`DROP INDEX run_events_clock_idx`);
    await q.query(`ALTER TABLE run_events DROP COLUMN clock`);
    await q.query(`DROP INDEX runs_org_status_created_idx`);
    await q.query(`DROP INDEX runs_org_project_started_idx`);
    await q.query(`DROP INDEX runs_org_project_updated_idx`);
    await q.query(`
      ALTER TABLE runs DROP COLUMN project, DROP COLUMN visibility, DROP COLUMN agent_version, DROP COLUMN trace_id,
        DROP COLUMN spec, DROP COLUMN answer, DROP COLUMN description, DROP COLUMN clock`);
  }
}
