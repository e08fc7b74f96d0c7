import { SUBJECTS } from '#contracts';
import { ApiClient } from './api-client';
import { SseConnection } from './sse';
import type { TestSystem } from './system';
import { signToken } from './tokens';
import { waitFor } from '../../tools/harness';

/**
 * Shared by the visibility-matrix suites (test/visibility-matrix-*.e2e-spec.ts).
 *
 * One access rule for every dialect (libs/contracts/src/access.ts): `private` = the owner only,
 * `project` = the owner's org and project, `org` = the owner's org. Not visible is a 404 exactly
 * like a missing run; creating and controlling needs `workflow:run` (403), but a 404 still wins.
 *
 * Every endpoint of every dialect is asked by every kind of principal about runs of all three
 * visibilities, and every answer is compared with the rule as documented. Lists are compared with
 * `canSee` over every row of the read model: nothing the principal may not see, nothing missing.
 * Each suite starts its own system and creates the things looked at with `VisibilityMatrix.seed`.
 */

export type Visibility = 'private' | 'project' | 'org';
export interface Scope {
  ownerId: string;
  org: string;
  project: string;
  visibility: Visibility;
}
export interface Viewer {
  userId: string;
  org: string | null;
  project: string;
}
export interface Principal {
  who: string;
  /** A short name for paths this principal writes. */
  key: string;
  /** The credential (a JWT or an API key secret); none: anonymous. */
  token?: string;
  /** Who the rule sees; absent when the credential is missing or no longer valid (401). */
  viewer?: Viewer;
  canRun: boolean;
}
export interface Answer {
  status: number;
  body: unknown;
}

/** The documented rule, written out here independently of the product's code. */
export function documentedRule(thing: Scope, viewer: Viewer): boolean {
  if (thing.ownerId === viewer.userId) return true;
  if (thing.visibility === 'private') return false;
  if (thing.visibility === 'org') return thing.org === viewer.org;
  return thing.org === viewer.org && thing.project === viewer.project;
}

const user = (who: string, key: string, sub: string, org: string, project: string, canRun: boolean): Principal => ({
  who,
  key,
  canRun,
  viewer: { userId: sub, org, project },
  token: signToken({ sub, org, project, ...(canRun ? { scope: 'workflow:run' } : {}), name: sub, email: `${sub}@example.com` }),
});

export const ALICE = { userId: 'usr_alice', org: 'org_a', project: 'proj_1' };
export const owner = user('owner', 'owner', ALICE.userId, ALICE.org, ALICE.project, true);
export const revokedKey: Principal = { who: 'revoked API key (of the owner)', key: 'revoked', canRun: true };
export const PRINCIPALS: Principal[] = [
  owner,
  user('same org, same project', 'bob', 'usr_bob', 'org_a', 'proj_1', true),
  user('same org, other project', 'carol', 'usr_carol', 'org_a', 'proj_2', true),
  // Same project name, other org: a project is only shared within its org.
  user('other org', 'mallory', 'usr_mallory', 'org_b', 'proj_1', true),
  user('owner without workflow:run', 'owner-ro', ALICE.userId, ALICE.org, ALICE.project, false),
  user('same project without workflow:run', 'dave-ro', 'usr_dave', 'org_a', 'proj_1', false),
  { who: 'no credential', key: 'anonymous', canRun: false },
  revokedKey,
];
export const credentialed = () => PRINCIPALS.filter((p) => p.viewer);

export const anyError = { error: expect.any(String) };
export const needsScope = { error: expect.stringContaining('workflow:run') };
export const NO_THREAD = 2_000_000_000;

/** The answer the rule prescribes: 401 without a valid credential, 404 (as for a missing one) when not visible, 403 without the scope. */
export function prescribed(
  probe: { write?: boolean; allowed: number; shows?: unknown; always?: number },
  thing: Scope,
  p: Principal,
  missing: Answer | undefined,
  allowed = probe.allowed,
): Answer {
  if (probe.always !== undefined) return { status: probe.always, body: anyError };
  if (!p.viewer) return { status: 401, body: anyError };
  if (!documentedRule(thing, p.viewer)) return { status: missing?.status ?? 404, body: missing?.body };
  if (probe.write && !p.canRun) return { status: 403, body: needsScope };
  return { status: allowed, body: allowed >= 400 ? anyError : (probe.shows ?? expect.anything()) };
}

export const eventStream = expect.stringMatching(/^text\/event-stream/);

export interface Subject {
  kind: string;
  scope: Scope;
  id: string;
  /** A typed (Travelmode) artifact of the run. */
  artifactId: number;
}
export const scope = (visibility: Visibility): Scope => ({ ownerId: ALICE.userId, org: ALICE.org, project: ALICE.project, visibility });

/** The requests of the matrix and the things it looks at, on one suite's system (given to `seed` in its beforeAll). */
export class VisibilityMatrix {
  system: TestSystem;

  /** A request through the gateway, or straight to a service (`base`: an ingress may route there directly). */
  readonly call = async (p: Principal, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base?: string): Promise<Answer> => {
    const client = base ? new ApiClient(base, p.token) : this.system.api().as(p.token);
    const res = await client.request(method, path, body, headers);
    return { status: res.status, body: res.body };
  };
  readonly get = (p: Principal, path: string) => this.call(p, 'GET', path);
  readonly post = (p: Principal, path: string, body: unknown = {}) => this.call(p, 'POST', path, body);

  /** Opens an SSE stream; a 200 is answered with its content type, then the stream is closed. */
  readonly sse = async (p: Principal, path: string, via: 'bearer' | 'cookie' | 'query', base = this.system.gateway!.url): Promise<Answer> => {
    let url = `${base}${path}`;
    const options: { token?: string; bearer?: string } = {};
    if (p.token && via === 'cookie') options.token = p.token;
    if (p.token && via === 'bearer') options.bearer = p.token;
    if (p.token && via === 'query') url += `${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(p.token)}`;
    const stream = await SseConnection.open(url, options);
    if (stream.status !== 200) return { status: stream.status, body: stream.body };
    const type = stream.headers.get('content-type');
    stream.abort();
    await stream.done;
    return { status: 200, body: type };
  };

  /** Alice's org-visible thread the Travelmode and seed-003 runs work over ("Plan a trip": the agent waits for input). */
  sharedThread = 0;
  readonly KINDS: { kind: string; scope: Scope; create: () => Promise<string> }[] = [
    {
      kind: 'Travelmode run (private)',
      scope: scope('private'),
      create: async () => {
        const created = await this.post(owner, '/v1/agent-runs', { tripId: this.sharedThread, triggerMessage: 'Plan a trip' });
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        const id = (created.body as any).run.id as string;
        const started = await this.post(owner, `/v1/agent-runs/${id}/control`, { action: 'start' });
        if (started.status !== 200) throw new Error(`start: ${JSON.stringify(started)}`);
        return id;
      },
    },
    {
      kind: 'seed-003 run (org)',
      scope: scope('org'),
      create: async () => {
        const created = await this.post(owner, `/v1/threads/${this.sharedThread}/runs`, {});
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        return (created.body as any).run_id as string;
      },
    },
    {
      kind: 'Vertesia run (project)',
      scope: scope('project'),
      create: async () => {
        const created = await this.post(owner, '/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' } });
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        return (created.body as any).id as string;
      },
    },
    {
      kind: 'Vertesia run (private)',
      scope: scope('private'),
      create: async () => {
        const created = await this.post(owner, '/api/v1/agents', { interaction: 'trip-planner', data: { task: 'Plan a trip' }, visibility: 'private' });
        if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created)}`);
        return (created.body as any).id as string;
      },
    },
  ];

  readonly statusOf = async (runId: string) => ((await this.get(owner, `/v1/agent-runs/${runId}`)).body as any).run.status as string;
  readonly waiting = (runId: string) =>
    waitFor(`run ${runId} waiting for input`, async () => (await this.statusOf(runId)) === 'waiting_for_input', 60_000, 100);

  /** A run of each kind, waiting for input (held by the reference agent, so queries are answered). */
  readonly subjects: Subject[] = [];
  /** Alice's threads of each visibility. */
  readonly threads: { kind: string; scope: Scope; id: number }[] = [];

  /** A typed artifact, recorded the way a worker does (core NATS request to the artifact-service). */
  private async typedArtifact(runId: string): Promise<number> {
    const run = ((await this.get(owner, `/v1/agent-runs/${runId}`)).body as any).run;
    const request = { runId, attempt: run.attempt, workerId: 'matrix-worker', agent: 'trip-planner', artifactType: 'notes', title: 'Notes', content: { note: runId } };
    const msg = await this.system.nc.request(SUBJECTS.artifactCreate, JSON.stringify(request), { timeout: 15_000 });
    const reply = JSON.parse(new TextDecoder().decode(msg.data));
    if (!reply.ok) throw new Error(`typed artifact: ${JSON.stringify(reply)}`);
    return reply.artifact.id as number;
  }

  /** Creates, on a suite's freshly started system, everything the matrix looks at (called from its beforeAll). */
  async seed(system: TestSystem): Promise<void> {
    this.system = system;
    const { call, get, post } = this;

    // The owner's API key, revoked: it must be refused (401) everywhere, like no credential.
    const key = await post(owner, '/v1/api-keys', { name: 'revoked in the matrix' });
    expect(key.status).toBe(201);
    revokedKey.token = (key.body as any).secret;
    expect((await call(owner, 'DELETE', `/v1/api-keys/${(key.body as any).apiKey.id}`)).status).toBe(200);
    await waitFor('the revoked key refused', async () => (await get(revokedKey, '/v1/agent-runs')).status === 401);

    const shared = await post(owner, '/v1/threads', { title: 'Shared trip', visibility: 'org' });
    this.sharedThread = (shared.body as any).thread.id;
    expect((await post(owner, `/v1/threads/${this.sharedThread}/messages`, { role: 'user', content: 'Plan a trip' })).status).toBe(201);

    for (const kind of this.KINDS) {
      const id = await kind.create();
      await this.waiting(id);
      const file = await call(owner, 'PUT', `/api/v1/agents/${id}/artifacts/report.txt`, `report of ${id}`, { 'content-type': 'text/plain' });
      expect(file.status).toBe(201);
      this.subjects.push({ kind: kind.kind, scope: kind.scope, id, artifactId: await this.typedArtifact(id) });
    }

    for (const visibility of ['private', 'project', 'org'] as const) {
      const created = await post(owner, '/v1/threads', { title: `A ${visibility} thread`, ...(visibility === 'private' ? {} : { visibility }) });
      expect(created.status).toBe(201);
      const id = (created.body as any).thread.id as number;
      // The runs created over it finish at once: the request names its destination.
      expect((await post(owner, `/v1/threads/${id}/messages`, { role: 'user', content: 'Plan 1 day in Rome' })).status).toBe(201);
      this.threads.push({ kind: `${visibility} thread`, scope: scope(visibility), id });
    }

    // A private Travelmode run over the org thread that finished, then an org run over it that
    // finished too: once the org run's answer is in the thread, the private run's completion has
    // been handled as well (the recorder takes completions in log order).
    const finished = await post(owner, '/v1/agent-runs', { tripId: this.sharedThread, triggerMessage: 'Plan 1 day in Rome' });
    const finishedId = (finished.body as any).run.id as string;
    expect((await post(owner, `/v1/agent-runs/${finishedId}/control`, { action: 'start' })).status).toBe(200);
    await waitFor('the private run finished', async () => ((await get(owner, `/v1/agent-runs/${finishedId}`)).body as any).run.status === 'completed' || null, 60_000, 100);
    expect((await post(owner, `/v1/threads/${this.sharedThread}/messages`, { role: 'user', content: 'Plan 1 day in Rome' })).status).toBe(201);
    const orgRun = ((await post(owner, `/v1/threads/${this.sharedThread}/runs`, {})).body as any).run_id as string;
    await waitFor('the org run answered in the org thread', async () =>
      ((await get(owner, `/v1/threads/${this.sharedThread}/messages?limit=100`)).body as any[]).some((m) => m.run_id === orgRun), 60_000, 100);
    // Runs the tests create later over the thread must wait for input again: its last request names no place.
    expect((await post(owner, `/v1/threads/${this.sharedThread}/messages`, { role: 'user', content: 'Plan a trip' })).status).toBe(201);

    // Other people's runs of every visibility, for the lists (they finish at once).
    const [bob, carol, mallory] = PRINCIPALS.slice(1, 4) as [Principal, Principal, Principal];
    const rome = { interaction: 'trip-planner', data: { task: 'Plan 1 day in Rome' } };
    for (const p of [bob, carol, mallory]) {
      expect((await post(p, '/api/v1/agents', rome)).status).toBe(201);
      expect((await post(p, '/api/v1/agents', { ...rome, visibility: 'private' })).status).toBe(201);
      const own = (await post(p, '/v1/threads', { title: `${p.key}'s trip` })).body as any;
      expect((await post(p, `/v1/threads/${own.thread.id}/messages`, { role: 'user', content: 'Plan 1 day in Rome' })).status).toBe(201);
      expect((await post(p, `/v1/threads/${own.thread.id}/runs`, {})).status).toBe(201);
      expect((await post(p, '/v1/agent-runs', { tripId: own.thread.id, triggerMessage: 'Plan 1 day in Rome' })).status).toBe(201);
    }
  }
}
