import type { EntityManager } from 'typeorm';

export interface BulkColumn<R> {
  name: string;
  type: 'uuid' | 'int' | 'bigint' | 'text' | 'boolean' | 'json' | 'jsonb' | 'timestamptz';
  value: (row: R) => unknown;
}

export interface BulkTable<R> {
  table: string;
  columns: BulkColumn<R>[];
  /** A unique key: conflicting rows are updated (upsert); without it they are skipped. */
  upsertOn?: string[];
  /** The predicate of a partial unique index named by `upsertOn`. */
  upsertWhere?: string;
}

const statements = new WeakMap<BulkTable<never>, string>();

function statementOf<R>(spec: BulkTable<R>): string {
  let sql = statements.get(spec as BulkTable<never>);
  if (sql) return sql;
  const names = spec.columns.map((c) => c.name);
  const record = spec.columns.map((c) => `${c.name} ${c.type === 'int' ? 'integer' : c.type}`).join(', ');
  const conflict = spec.upsertOn
    ? `ON CONFLICT (${spec.upsertOn.join(', ')})${spec.upsertWhere ? ` WHERE ${spec.upsertWhere}` : ''} DO UPDATE SET ${names
        .filter((n) => !spec.upsertOn?.includes(n))
        .map((n) => `${n} = EXCLUDED.${n}`)
        .join(', ')}`
    : 'ON CONFLICT DO NOTHING';
  sql = `INSERT INTO ${spec.table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM json_to_recordset($1::json) AS x(${record}) ${conflict}`;
  statements.set(spec as BulkTable<never>, sql);
  return sql;
}

/** One statement's text (numbered from $1) and its parameters. */
export interface Write {
  sql: string;
  params: unknown[];
}

/**
 * One multi-row INSERT whose rows travel as a single JSON document that Postgres unpacks
 * (json_to_recordset): one native JSON.stringify instead of an ORM's per-row statement building
 * or a driver's per-element array escaping, which cost more CPU than the append path projected.
 */
export function bulkInsert<R>(spec: BulkTable<R>, rows: R[]): Write | null {
  if (rows.length === 0) return null;
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const c of spec.columns) record[c.name] = c.value(row) ?? null;
    return record;
  });
  return { sql: statementOf(spec), params: [JSON.stringify(records)] };
}

export async function bulkWrite<R>(m: EntityManager, spec: BulkTable<R>, rows: R[]): Promise<void> {
  const write = bulkInsert(spec, rows);
  if (write) await m.query(write.sql, write.params);
}

/**
 * Several writes as one statement (each a data-modifying WITH clause): one round trip to Postgres
 * instead of one each. They all see the same snapshot, so they must touch different rows.
 */
export async function writeTogether(m: EntityManager, writes: (Write | null)[]): Promise<void> {
  const present = writes.filter((w): w is Write => w !== null);
  if (present.length === 0) return;
  if (present.length === 1) return void (await m.query(present[0]!.sql, present[0]!.params));
  const params: unknown[] = [];
  const clauses = present.map((write, i) => {
    const offset = params.length;
    params.push(...write.params);
    return `w${i} AS (${write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  await m.query(`WITH ${clauses.join(', ')} SELECT 1`, params);
}
