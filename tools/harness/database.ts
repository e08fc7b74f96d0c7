import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Admin connection for creating per-run test databases (never used for data). */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DATABASE_PREFIX = 'runstream_test_';

export function databaseUrl(name: string, adminUrl = TEST_ADMIN_URL): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database for one test file; dropped when the file ends. */
export class TestDatabase {
  private constructor(
    readonly name: string,
    private readonly adminUrl: string,
  ) {}

  get url(): string {
    return databaseUrl(this.name, this.adminUrl);
  }

  /** `adminUrl`: another server's admin connection (a test's own PostgreSQL). */
  static async create(adminUrl = TEST_ADMIN_URL): Promise<TestDatabase> {
    const name = `${TEST_DATABASE_PREFIX}${randomBytes(6).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`, adminUrl);
    return new TestDatabase(name, adminUrl);
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
    await admin(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`, this.adminUrl);
  }
}

async function admin(sql: string, adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
