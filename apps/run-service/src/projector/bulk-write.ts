import type { EntityManager } from 'typeorm';

export interface BulkColumn<R> {
  name: string;
  /** Postgres type of the column; json and jsonb values travel as text and are cast. */
  type: 'uuid' | 'int' | 'bigint' | 'text' | 'json' | 'jsonb' | 'timestamptz';
  value: (row: R) => unknown;
}

export interface BulkTable<R> {
  table: string;
  columns: BulkColumn<R>[];
  /** Primary key: conflicting rows are updated (upsert); without it they are skipped. */
  upsertOn?: string[];
}

const isJson = (t: BulkColumn<unknown>['type']) => t === 'json' || t === 'jsonb';
const arrayType = (t: BulkColumn<unknown>['type']) => (isJson(t) ? 'text[]' : `${t}[]`);

/**
 * One multi-row INSERT … SELECT FROM unnest(…) per table: one parameter per column whatever the
 * row count, so the statement is cheap to build and to plan (an ORM insert of a thousand rows
 * costs more CPU than the append path it projects).
 */
export async function bulkWrite<R>(m: EntityManager, spec: BulkTable<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const names = spec.columns.map((c) => c.name);
  const selects = spec.columns.map((c, i) => (isJson(c.type) ? `u.c${i}::${c.type}` : `u.c${i}`));
  const unnest = spec.columns.map((c, i) => `$${i + 1}::${arrayType(c.type)}`).join(', ');
  const aliases = spec.columns.map((_, i) => `c${i}`).join(', ');
  const conflict = spec.upsertOn
    ? `ON CONFLICT (${spec.upsertOn.join(', ')}) DO UPDATE SET ${names
        .filter((n) => !spec.upsertOn?.includes(n))
        .map((n) => `${n} = EXCLUDED.${n}`)
        .join(', ')}`
    : 'ON CONFLICT DO NOTHING';
  const sql = `INSERT INTO ${spec.table} (${names.join(', ')}) SELECT ${selects.join(', ')} FROM unnest(${unnest}) AS u(${aliases}) ${conflict}`;
  const params = spec.columns.map((c) =>
    rows.map((row) => {
      const v = c.value(row);
      return isJson(c.type) ? (v === null || v === undefined ? null : JSON.stringify(v)) : v;
    }),
  );
  await m.query(sql, params);
}
