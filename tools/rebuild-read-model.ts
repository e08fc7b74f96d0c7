/**
 * Drops the Postgres read model and makes the projector replay RUN_EVENTS from the start:
 * reverts and re-applies the migrations, then deletes the projector's durable consumer (the next
 * run-service start recreates it at the beginning of the stream). Stop the run-services first.
 *
 *   DATABASE_URL=… NATS_URL=… npm run read-model:rebuild [-- --force]
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { CONSUMERS, STREAMS } from '../libs/contracts/src';
import { readModelOptions } from '../libs/persistence/src';
import { commonEnv, databaseEnv, loadConfig } from '../libs/platform/src/config';

async function main(): Promise<void> {
  const config = loadConfig({ ...commonEnv, ...databaseEnv });
  const force = process.argv.includes('--force');
  const nc = await connect({ servers: config.NATS_URL.split(',') });
  const jsm = await jetstreamManager(nc);
  const projector = await jsm.consumers.info(STREAMS.events, CONSUMERS.projector).catch(() => null);
  if (projector && projector.num_waiting > 0 && !force) {
    process.stderr.write('a projector is still consuming RUN_EVENTS: stop the run-services first (or pass --force)\n');
    process.exit(1);
  }
  const dataSource = await new DataSource(readModelOptions(config.DATABASE_URL, 2)).initialize();
  while (await dataSource.showMigrations().then(() => hasApplied(dataSource))) await dataSource.undoLastMigration();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  if (projector) await jsm.consumers.delete(STREAMS.events, CONSUMERS.projector);
  await nc.close();
  process.stdout.write('read model dropped; the next run-service start replays RUN_EVENTS into it\n');
}

async function hasApplied(dataSource: DataSource): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(`SELECT 1 FROM runstream_migrations LIMIT 1`).catch(() => []);
  return rows.length > 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild failed: ${(error as Error).message}\n`);
  process.exit(1);
});
