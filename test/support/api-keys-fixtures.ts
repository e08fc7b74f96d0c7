import { createHash } from 'node:crypto';
import { SseConnection } from './sse';
import type { TestSystem } from './system';
import { signToken } from './tokens';
import { waitFor } from '../../tools/harness';

/**
 * Shared by the API-key suites (test/api-keys-*.e2e-spec.ts). API keys (POST/GET/DELETE
 * /v1/api-keys): the secret is shown once and stored only hashed; a key acts as its creator, within
 * their org and project, with at most their scopes, on every dialect (SSE and artifact routes
 * included); it cannot mint keys; revoked, it is refused (401) by every process within a second, a
 * gateway that did not revoke it included.
 */

export const alice = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_1', scope: 'workflow:run', name: 'Alice', email: 'alice@example.com' });
/** The same user working in another project of the org. */
export const aliceInProj2 = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_2', scope: 'workflow:run' });
export const aliceReader = signToken({ sub: 'usr_alice', org: 'org_a', project: 'proj_1' });
export const bob = signToken({ sub: 'usr_bob', org: 'org_a', project: 'proj_1', scope: 'workflow:run' });
export const mallory = signToken({ sub: 'usr_mallory', org: 'org_b', project: 'proj_1', scope: 'workflow:run' });

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const rome = { interaction: 'trip-planner', data: { task: 'Plan 1 day in Rome' } };

export interface CreatedKey {
  apiKey: { id: string; name: string; prefix: string; scopes: string[]; org: string | null; project: string; createdAt: string; revokedAt: string | null };
  secret: string;
}

/** Opens an SSE stream; a 200 is answered with its content type, then the stream is closed. */
export async function sse(url: string, options: { token?: string; bearer?: string } = {}): Promise<{ status: number; body: unknown }> {
  const stream = await SseConnection.open(url, options);
  if (stream.status !== 200) return { status: stream.status, body: stream.body };
  const type = stream.headers.get('content-type');
  stream.abort();
  await stream.done;
  return { status: 200, body: type };
}
export const eventStream = expect.stringMatching(/^text\/event-stream/);

/** The helpers that act through a suite's system (read when called, i.e. after its beforeAll started it). */
export function keyHelpers(current: () => TestSystem) {
  const as = (token?: string, via: 'bearer' | 'cookie' = 'bearer') => current().api().as(token, via);
  async function createKey(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<CreatedKey> {
    const res = await as(token).post('/v1/api-keys', body, headers);
    if (res.status !== 201) throw new Error(`create key: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
  const until = (token: string, path: string, done: (body: any) => boolean, what = path) =>
    waitFor(what, async () => {
      const res = await as(token).get(path);
      return res.status === 200 && done(res.body) ? res.body : null;
    }, 60_000, 100);
  return { as, createKey, until };
}

export interface KeyTargets {
  /** Alice's project-visible Vertesia run, waiting for input, with a file artifact: what the keys are tried on. */
  waiting: string;
  /** Bob's runs: one project-visible (Alice's keys may see it), one private (they may not); Mallory's, in another org. */
  others: { bobProject: string; bobPrivate: string; mallory: string };
}

/** Creates, on a suite's freshly started system, the runs the keys are tried on (called from its beforeAll). */
export async function createKeyTargets(system: TestSystem): Promise<KeyTargets> {
  const { as, until } = keyHelpers(() => system);
  const created = await as(alice).post('/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' } });
  expect(created.status).toBe(201);
  const waiting = created.body.id as string;
  await until(alice, `/v1/agent-runs/${waiting}`, (b) => b.run.status === 'waiting_for_input', 'the run waiting for input');
  expect((await as(alice).request('PUT', `/api/v1/agents/${waiting}/artifacts/report.txt`, 'the report', { 'content-type': 'text/plain' })).status).toBe(201);
  const others = { bobProject: '', bobPrivate: '', mallory: '' };
  others.bobProject = (await as(bob).post('/api/v1/agents', rome)).body.id;
  others.bobPrivate = (await as(bob).post('/api/v1/agents', { ...rome, visibility: 'private' })).body.id;
  others.mallory = (await as(mallory).post('/api/v1/agents', rome)).body.id;
  return { waiting, others };
}
