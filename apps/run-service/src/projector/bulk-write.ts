import type { EntityManager } from 'typeorm';

/** What runs a statement: an EntityManager, a DataSource, or a transaction's manager. */
export type Queryable = Pick<EntityManager, 'query'>;

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

const recordTypeOf = (spec: BulkTable<unknown>) => spec.columns.map((c) => `${c.name} ${c.type === 'int' ? 'integer' : c.type}`).join(', ');

function statementOf<R>(spec: BulkTable<R>, gate?: string): string {
  let sql = gate ? undefined : statements.get(spec as BulkTable<never>);
  if (sql) return sql;
  const names = spec.columns.map((c) => c.name);
  const conflict = spec.upsertOn
    ? `ON CONFLICT (${spec.upsertOn.join(', ')})${spec.upsertWhere ? ` WHERE ${spec.upsertWhere}` : ''} DO UPDATE SET ${names
        .filter((n) => !spec.upsertOn?.includes(n))
        .map((n) => `${n} = EXCLUDED.${n}`)
        .join(', ')}`
    : 'ON CONFLICT DO NOTHING';
  sql = `INSERT INTO ${spec.table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM json_to_recordset($1::json) AS x(${recordTypeOf(spec as BulkTable<unknown>)})${gate ? ` WHERE ${gate}` : ''} ${conflict}`;
  if (!gate) statements.set(spec as BulkTable<never>, sql);
  return sql;
}

const recordsOf = <R>(spec: BulkTable<R>, rows: R[]) =>
  rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const c of spec.columns) record[c.name] = c.value(row) ?? null;
    return record;
  });

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
export function bulkInsert<R>(spec: BulkTable<R>, rows: R[], gate?: string): Write | null {
  if (rows.length === 0) return null;
  return { sql: statementOf(spec, gate), params: [JSON.stringify(recordsOf(spec, rows))] };
}

/**
 * An UPDATE of existing rows (by `id`) that applies only where the row's `guardColumn` still holds
 * the value the caller expected: optimistic concurrency, no lock taken beforehand. Returns the ids
 * it updated.
 */
export function guardedUpdate<R>(spec: BulkTable<R>, rows: { row: R; expected: number }[], guardColumn: string): Write {
  const names = spec.columns.map((c) => c.name).filter((n) => n !== 'id');
  const records = rows.map(({ row, expected }) => ({ ...recordsOf(spec, [row])[0], expected_guard: expected }));
  return {
    sql:
      `UPDATE ${spec.table} AS t SET ${names.map((n) => `${n} = x.${n}`).join(', ')} ` +
      `FROM json_to_recordset($1::json) AS x(${recordTypeOf(spec as BulkTable<unknown>)}, expected_guard bigint) ` +
      `WHERE t.id = x.id AND t.${guardColumn} = x.expected_guard RETURNING t.id`,
    params: [JSON.stringify(records)],
  };
}

export async function bulkWrite<R>(m: Queryable, spec: BulkTable<R>, rows: R[]): Promise<void> {
  const write = bulkInsert(spec, rows);
  if (write) await m.query(write.sql, write.params);
}

/**
 * Several writes as one statement (each a data-modifying WITH clause): one round trip to Postgres
 * instead of one each. They all see the same snapshot, so they must touch different rows.
 */
export async function writeTogether(m: Queryable, writes: (Write | null)[]): Promise<void> {
  const present = writes.filter((w): w is Write => w !== null);
  if (present.length === 0) return;
  if (present.length === 1) return void (await m.query(present[0]!.sql, present[0]!.params));
  await m.query(...combine(present.map((write, i) => ({ name: `w${i}`, write })), 'SELECT 1'));
}

/** Named data-modifying WITH clauses and a final SELECT as one statement, parameters renumbered. */
export function combine(clauses: { name: string; write: Write }[], final: string): [string, unknown[]] {
  const params: unknown[] = [];
  const parts = clauses.map(({ name, write }) => {
    const offset = params.length;
    params.push(...write.params);
    return `${name} AS (${write.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  return [`WITH ${parts.join(', ')} ${final}`, params];
}
