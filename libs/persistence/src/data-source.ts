import { DataSource, type DataSourceOptions } from 'typeorm';
import { ArtifactRecord } from './entities/artifact.record';
import { RunEventRecord } from './entities/run-event.record';
import { RunRecord } from './entities/run.record';
import { ThreadRecord } from './entities/thread.record';
import { ThreadMessageRecord } from './entities/thread-message.record';
import { ApiKeyRecord } from './entities/api-key.record';
import { ReadModel1764000000000 } from './migrations/1764000000000-read-model';
import { RunExecution1764100000000 } from './migrations/1764100000000-run-execution';
import { Artifacts1764200000000 } from './migrations/1764200000000-artifacts';
import { AccessAndDialects1764300000000 } from './migrations/1764300000000-access-and-dialects';
import { ProjectionFaults1764400000000 } from './migrations/1764400000000-projection-faults';
import { EventUnits1764500000000 } from './migrations/1764500000000-event-units';

export const READ_MODEL_ENTITIES = [RunRecord, RunEventRecord, ThreadRecord, ArtifactRecord, ThreadMessageRecord, ApiKeyRecord];
export const READ_MODEL_MIGRATIONS = [ReadModel1764000000000, RunExecution1764100000000, Artifacts1764200000000, AccessAndDialects1764300000000, ProjectionFaults1764400000000, EventUnits1764500000000];
/** Tables the projector owns; dropping them and replaying RUN_EVENTS rebuilds them. */
export const READ_MODEL_TABLES = ['runs', 'run_events', 'threads', 'artifacts', 'thread_messages', 'api_keys', 'projection_faults'];

export function readModelOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: READ_MODEL_ENTITIES,
    migrations: READ_MODEL_MIGRATIONS,
    migrationsTableName: 'runstream_migrations',
    synchronize: false,
    migrationsRun: false,
    // Bounded waits: a Postgres that does not answer makes a request fail fast (503), never hang.
    extra: { max: poolSize, connectionTimeoutMillis: 3_000, query_timeout: 30_000 },
  };
}

/** Arbitrary constant: one migrator at a time across every replica. */
const MIGRATION_LOCK = 0x52554e53;

/** Applies pending migrations under an advisory lock, so replicas starting together do not race. */
export async function migrate(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
