import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Admin connection for creating per-run test databases (never used for data). */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DATABASE_PREFIX = 'runstream_test_';

export function databaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database for one test file; dropped when the file ends. */
export class TestDatabase {
  private constructor(readonly name: string) {}

  get url(): string {
    return databaseUrl(this.name);
  }

  static async create(): Promise<TestDatabase> {
    const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    return new TestDatabase(name);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    if (!this.name.startsWith(TEST_DATABASE_PREFIX)) throw new Error(`refusing to drop ${this.name}`);
    await admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: TEST_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
