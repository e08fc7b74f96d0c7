import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { SUBJECTS, type RunEvent } from '../../libs/contracts/src';
import { EventStore } from '../../libs/messaging/src';
import { REPO_ROOT, waitFor } from '../harness';
import type { ChaosSystem } from './system';

export interface LogTally {
  /** Per run: its client-visible events 1..N (N: the last sequence). */
  lengths: Map<string, number>;
  /** Sequences missing below a run's last one. */
  lost: number;
  /** Sequences stored more than once. */
  duplicated: number;
  /** Attempts moved to another worker after a lost lease (the worker kill landed in a run). */
  redispatches: number;
}

/** Every run's log read back from JetStream: gapless 1..N, each sequence once. */
export async function tallyLogs(system: ChaosSystem, runIds: string[]): Promise<LogTally> {
  const nc = await connect({ servers: system.nats.url.split(',') });
  try {
    const store = new EventStore(nc, jetstream(nc), await jetstreamManager(nc));
    const tally: LogTally = { lengths: new Map(), lost: 0, duplicated: 0, redispatches: 0 };
    for (const runId of runIds) {
      const stored = await store.read<RunEvent>(SUBJECTS.runEvents(runId), 0);
      const sequences = stored.map((s) => s.event.metadata.sequence).filter((s) => s >= 1);
      const last = Math.max(0, ...sequences);
      const distinct = new Set(sequences);
      tally.duplicated += sequences.length - distinct.size;
      tally.lost += last - distinct.size;
      tally.lengths.set(runId, last);
      tally.redispatches += stored.filter((s) => s.event.type.startsWith('RunRedispatched')).length;
    }
    return tally;
  } finally {
    await nc.close();
  }
}

const TABLES = [
  ['runs', 'id'],
  ['run_events', 'run_id, sequence'],
  ['threads', 'id'],
  ['artifacts', 'id'],
] as const;

/** One checksum per read-model table, over its rows in key order. */
export async function readModelChecksums(system: ChaosSystem): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const [table, key] of TABLES) {
    const [row] = await system.db.query<{ sum: string | null; n: number }>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY ${key}), '')) AS sum, count(*)::int AS n FROM ${table} t`,
    );
    sums[table] = `${row?.n}:${row?.sum}`;
  }
  return sums;
}

/**
 * Drops the read model and replays RUN_EVENTS into it (`npm run read-model:rebuild`, run-service
 * stopped), then lets the run-service catch up: the rows must be the same.
 */
export async function rebuildMatches(system: ChaosSystem): Promise<{ matches: boolean; before: Record<string, string>; after: Record<string, string>; diff?: unknown }> {
  const before = await readModelChecksums(system);
  const beforeRows = await tableRows(system);
  const runService = system.service('run-service');
  await runService.stop();
  await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist/tools/rebuild-read-model.js')], { env: { ...process.env, ...system.env } });
  await runService.spawn();
  const expected = before.run_events;
  await waitFor('the rebuilt read model to catch up', async () => (await readModelChecksums(system)).run_events === expected, 120_000, 250).catch(() => undefined);
  const after = await readModelChecksums(system);
  const matches = JSON.stringify(after) === JSON.stringify(before);
  if (matches) return { matches, before, after };
  // What differs, row by row (the rows only the pre-rebuild model had, and only the rebuilt one has).
  const afterRows = await tableRows(system);
  const diff = Object.fromEntries(
    TABLES.map(([t]) => t)
      .filter((t) => before[t] !== after[t])
      .map((t) => [t, { only_before: beforeRows[t]!.filter((r) => !afterRows[t]!.includes(r)).slice(0, 3), only_after: afterRows[t]!.filter((r) => !beforeRows[t]!.includes(r)).slice(0, 3) }]),
  );
  return { matches, before, after, diff };
}

async function tableRows(system: ChaosSystem): Promise<Record<string, string[]>> {
  const rows: Record<string, string[]> = {};
  for (const [table, key] of TABLES) rows[table] = (await system.db.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t ORDER BY ${key}`)).map((r) => r.row);
  return rows;
}

export async function quarantined(system: ChaosSystem): Promise<number> {
  const [row] = await system.db.query<{ n: number }>('SELECT count(*)::int AS n FROM projection_faults');
  return row?.n ?? 0;
}
