import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { TEST_ADMIN_URL, NATS_SERVER_BIN, REPO_ROOT } from '../../tools/harness';

/**
 * Runs once before the end-to-end tests: the services must be built, nats-server must be on the
 * PATH (each test file starts its own), and the admin URL must reach a Postgres that is not a
 * production one (each test file creates and drops its own `runstream_test_*` database).
 */
export default async function globalSetup(): Promise<void> {
  for (const app of ['gateway', 'run-service', 'stream-service']) {
    if (!existsSync(join(REPO_ROOT, 'dist/apps', app, 'src/main.js')))
      throw new Error(`dist/apps/${app} is missing: run "npm run build" first (npm test does)`);
  }
  try {
    execFileSync(NATS_SERVER_BIN, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`nats-server not found (NATS_SERVER_BIN=${NATS_SERVER_BIN}): install it (Debian: apt-get install nats-server)`);
  }
  const url = new URL(TEST_ADMIN_URL);
  if (!['127.0.0.1', 'localhost', '::1'].includes(url.hostname) && process.env.TEST_DATABASE_ALLOW_REMOTE !== '1')
    throw new Error(`refusing to create test databases on ${url.hostname}; set TEST_DATABASE_ALLOW_REMOTE=1 if it is a test server`);
  const client = new Client({ connectionString: TEST_ADMIN_URL });
  await client.connect().catch((error: Error) => {
    throw new Error(`cannot reach Postgres at ${TEST_ADMIN_URL} (TEST_DATABASE_URL): ${error.message}`);
  });
  await client.end();
}
