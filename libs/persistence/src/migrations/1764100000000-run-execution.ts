import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What agent execution adds to a run: its worker, lease losses, input request, usage and typed artifacts. */
export class RunExecution1764100000000 implements MigrationInterface {
  name = 'RunExecution1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE runs
        ADD COLUMN worker_id text,
        ADD COLUMN redispatches integer NOT NULL DEFAULT 0,
        ADD COLUMN input_request jsonb,
        ADD COLUMN usage jsonb NOT NULL DEFAULT '{"inputTokens":0,"outputTokens":0,"cachedInputTokens":0,"costUsd":0,"credits":0,"model":null}',
        ADD COLUMN artifacts jsonb NOT NULL DEFAULT '[]'`);
    // The lease monitor scans active runs.
    await q.query(`CREATE INDEX runs_active_idx ON runs (status) WHERE status IN ('running', 'waiting_for_input')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX runs_active_idx`);
    await q.query(`
      ALTER TABLE runs DROP COLUMN worker_id, DROP COLUMN redispatches, DROP COLUMN input_request,
        DROP COLUMN usage, DROP COLUMN artifacts`);
  }
}
