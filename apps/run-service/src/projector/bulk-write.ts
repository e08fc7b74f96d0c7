import type { EntityManager } from 'typeorm';

export interface BulkColumn<R> {
  name: string;
  type: 'uuid' | 'int' | 'bigint' | 'text' | 'boolean' | 'json' | 'jsonb' | 'timestamptz';
  value: (row: R) => unknown;
}

export interface BulkTable<R> {
  table: string;
  columns: BulkColumn<R>[];
  /** Primary key: conflicting rows are updated (upsert); without it they are skipped. */
  upsertOn?: string[];
}

const statements = new WeakMap<BulkTable<never>, string>();

function statementOf<R>(spec: BulkTable<R>): string {
  let sql = statements.get(spec as BulkTable<never>);
  if (sql) return sql;
  const names = spec.columns.map((c) => c.name);
  const record = spec.columns.map((c) => `${c.name} ${c.type === 'int' ? 'integer' : c.type}`).join(', ');
  const conflict = spec.upsertOn
    ? `ON CONFLICT (${spec.upsertOn.join(', ')}) DO UPDATE SET ${names
        .filter((n) => !spec.upsertOn?.includes(n))
        .map((n) => `${n} = EXCLUDED.${n}`)
        .join(', ')}`
    : 'ON CONFLICT DO NOTHING';
  sql = `INSERT INTO ${spec.table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM json_to_recordset($1::json) AS x(${record}) ${conflict}`;
  statements.set(spec as BulkTable<never>, sql);
  return sql;
}

/**
 * One multi-row INSERT per table whose rows travel as a single JSON document that Postgres unpacks
 * (json_to_recordset): one native JSON.stringify instead of an ORM's per-row statement building
 * or a driver's per-element array escaping, which cost more CPU than the append path projected.
 */
export async function bulkWrite<R>(m: EntityManager, spec: BulkTable<R>, rows: R[]): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const c of spec.columns) record[c.name] = c.value(row) ?? null;
    return record;
  });
  await m.query(statementOf(spec), [JSON.stringify(records)]);
}
