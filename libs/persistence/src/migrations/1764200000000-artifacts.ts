import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Artifact metadata, projected from RunArtifactCreated / RunArtifactPinChanged (the bytes live in
 * the Object Store). A file artifact's path names at most one row per run: a new upload replaces it.
 */
export class Artifacts1764200000000 implements MigrationInterface {
  name = 'Artifacts1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE artifacts (
        id integer PRIMARY KEY,
        run_id uuid NOT NULL,
        kind text NOT NULL,
        artifact_type text NOT NULL,
        title text,
        path text,
        object_name text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL,
        sha256 text NOT NULL,
        is_pinned boolean NOT NULL,
        sequence integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX artifacts_run_idx ON artifacts (run_id, kind, id)`);
    await q.query(`CREATE UNIQUE INDEX artifacts_run_path_idx ON artifacts (run_id, path) WHERE kind = 'file'`);
    // The sweeper asks "is this object referenced?" for every object in the bucket.
    await q.query(`CREATE UNIQUE INDEX artifacts_object_idx ON artifacts (object_name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifacts`);
  }
}
