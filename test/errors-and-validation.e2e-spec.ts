import { randomUUID } from 'node:crypto';
import { SUBJECTS, type WorkerReport } from '#contracts';
import { CommandClient } from '#messaging';
import type { ApiClient, ApiResponse } from './support/api-client';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';

/**
 * Every error leaves the gateway as JSON `{ "error": string | string[] }`, never HTML, whatever
 * failed: parsing, validation, authentication, routing, lookup or a refused transition.
 */
describe('errors and validation', () => {
  let system: TestSystem;
  let api: ApiClient;
  let worker: CommandClient;
  const user = 'usr_errors';
  const randomRun = randomUUID();

  beforeAll(async () => {
    // Started runs stay `running` (the reference agent waits a minute); the test plays the worker
    // itself when it needs a run to complete or fail.
    // No workers: the tests drive each run's state themselves, acting as its worker.
    system = await TestSystem.start({ workers: 0 });
    api = system.api(user);
    worker = new CommandClient(system.nc, 10_000);
    worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await system?.stop();
  });

  /** The status, a JSON content type, and a body that is exactly `{ error }`. */
  function expectError(res: ApiResponse, status: number, error?: unknown) {
    expect({ status: res.status, body: res.body }).toEqual({ status, body: { error: error ?? expect.anything() } });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof res.body.error === 'string' || (Array.isArray(res.body.error) && res.body.error.length > 0)).toBe(true);
  }

  const newRun = async (triggerMessage = 'Plan 3 days in Rome') => {
    const res = await api.post('/v1/agent-runs', { tripId: await system.thread(user), triggerMessage });
    expect(res.status).toBe(201);
    return res.body.run.id as string;
  };
  const control = (runId: string, action: string) => api.post(`/v1/agent-runs/${runId}/control`, { action });

  /** Acts as a worker would: reports progress for the run's current attempt. */
  const report = (runId: string, attempt: number, reports: WorkerReport[]) =>
    worker.send(SUBJECTS.runCommands(runId), {
      type: 'ReportRunProgress',
      data: { runId, attempt, reports },
      metadata: { commandId: randomUUID(), correlationId: runId, actor: { kind: 'agent', id: 'trip-planner' } },
    });

  describe('request bodies', () => {
    it.each([
      ['POST', '/v1/agent-runs'],
      ['POST', '/v1/threads'],
      ['POST', '/v1/agent-runs/:runId/control'],
      ['PATCH', '/v1/threads/:threadId'],
    ])('%s %s with malformed JSON → 400 "request body is not valid JSON"', async (method, route) => {
      const path = route.replace(':runId', randomRun).replace(':threadId', '1');
      for (const body of ['{"tripId": 1,', '{tripId: 1}', 'not json at all', '"just a string"'])
        expectError(await api.request(method, path, body), 400, 'request body is not valid JSON');
    });

    it('rejects unknown fields, naming each one', async () => {
      const tripId = await system.thread(user);
      const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'x', extra: 1 });
      expectError(created, 400, expect.arrayContaining(['property extra should not exist']));
      const ctl = await api.post(`/v1/agent-runs/${randomRun}/control`, { action: 'cancel', extra: true, other: 'y' });
      expectError(ctl, 400, expect.arrayContaining(['property extra should not exist', 'property other should not exist']));
      const thread = await api.patch(`/v1/threads/${tripId}`, { title: 'Rome', extra: 'x' });
      expectError(thread, 400, expect.arrayContaining(['property extra should not exist']));
      expect((await api.get('/v1/agent-runs')).body.runs).toEqual([]);
    });

    it('rejects wrong types and missing fields with an array of messages', async () => {
      const tripId = await system.thread(user);
      expectError(await api.post('/v1/agent-runs', { tripId: 'x', triggerMessage: 'x' }), 400,
        expect.arrayContaining(['tripId must be an integer number']));
      expectError(await api.post('/v1/agent-runs', { tripId }), 400, expect.arrayContaining(['triggerMessage must be a string']));
      expectError(await api.post('/v1/agent-runs', { tripId: 0, triggerMessage: 'x' }), 400,
        expect.arrayContaining(['tripId must not be less than 1']));
      expectError(await api.post('/v1/agent-runs', { tripId, triggerMessage: 'x'.repeat(10_001) }), 400);
      expectError(await api.post('/v1/agent-runs', {}), 400);
      expectError(await api.post('/v1/agent-runs', []), 400);
      expectError(await api.post(`/v1/agent-runs/${randomRun}/control`, { action: 'explode' }), 400,
        ['action must be one of the following values: start, stop, retry, cancel']);
      expectError(await api.post(`/v1/agent-runs/${randomRun}/control`, { action: 'cancel', reason: 42 }), 400,
        expect.arrayContaining(['reason must be a string']));
      expectError(await api.post('/v1/threads', { title: 7 }), 400, expect.arrayContaining(['title must be a string']));
      expect((await api.get('/v1/agent-runs')).body.runs).toEqual([]);
    });

    it('answers a body over the limit (256 KB by default) with 413', async () => {
      const tripId = await system.thread(user);
      const res = await api.post('/v1/agent-runs', { tripId, triggerMessage: 'x'.repeat(300 * 1024) });
      expectError(res, 413, 'request body too large');
    });

    it('answers an unsupported charset with a JSON 415', async () => {
      const res = await api.post('/v1/threads', '{"title":"x"}', { 'content-type': 'application/json; charset=klingon' });
      expectError(res, 415);
    });
  });

  describe('authentication', () => {
    const now = Math.floor(Date.now() / 1000);
    const anonymous = () => system.api();
    const unsignedToken = () =>
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: user, exp: now + 3600 })).toString('base64url')}.`;

    it.each([
      ['no credentials', {}],
      ['a garbage bearer token', { authorization: 'Bearer not-a-jwt' }],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['an expired token', { authorization: `Bearer ${signToken({ sub: user, iat: now - 7200, exp: now - 3600 })}` }],
      ['a token signed with another secret', { authorization: `Bearer ${signToken({ sub: user }, 'another-secret')}` }],
      ['an unsigned (alg none) token', { authorization: `Bearer ${unsignedToken()}` }],
      ['a token without a subject', { authorization: `Bearer ${signToken({ org: 'org_test' })}` }],
      ['Basic credentials', { authorization: `Basic ${Buffer.from(`${user}:secret`).toString('base64')}` }],
      ['a garbage session cookie', { cookie: 'session_token=garbage' }],
      ['an expired session cookie', { cookie: `session_token=${signToken({ sub: user, exp: now - 60 })}` }],
    ])('401 with %s', async (_, headers: Record<string, string>) => {
      expectError(await anonymous().get('/v1/agent-runs', headers), 401);
      expectError(await anonymous().get(`/v1/agent-runs/${randomRun}`, headers), 401);
      // Authentication comes before validation: an invalid body does not reveal anything either.
      expectError(await anonymous().post('/v1/agent-runs', { nonsense: true }, headers), 401);
    });

    it('authenticates with the session_token cookie alone', async () => {
      const tripId = await system.thread(user);
      const cookie = system.api(user, 'cookie');
      const created = await cookie.post('/v1/agent-runs', { tripId, triggerMessage: 'via cookie' });
      expect(created.status).toBe(201);
      expect(created.body.run.userId).toBe(user);
      const listed = await cookie.get('/v1/agent-runs');
      expect(listed.status).toBe(200);
      expect(listed.body.runs.map((r: any) => r.id)).toContain(created.body.run.id);
    });
  });

  describe('not found', () => {
    it('answers an unknown route with a JSON 404, authenticated or not', async () => {
      expectError(await api.get('/v1/nope'), 404);
      expectError(await system.api().get('/nope'), 404);
      expectError(await api.request('PUT', '/v1/threads/1', { title: 'x' }), 404);
      expectError(await api.request('DELETE', `/v1/agent-runs/${randomRun}`), 404);
    });

    it.each([
      ['a random uuid', randomRun],
      ['a random upper-case uuid', randomUUID().toUpperCase()],
      ['a non-uuid', 'not-a-uuid'],
      ['a number', '12345'],
    ])('answers %s as run id with 404 "run not found" on GET, /events and /control', async (_, runId) => {
      expectError(await api.get(`/v1/agent-runs/${runId}`), 404, 'run not found');
      expectError(await api.get(`/v1/agent-runs/${runId}/events`), 404, 'run not found');
      for (const action of ['start', 'stop', 'cancel', 'retry']) expectError(await control(runId, action), 404, 'run not found');
    });

    it('addresses a run by its id in any letter case, on reads and on control alike', async () => {
      const runId = await newRun();
      const upper = runId.toUpperCase();
      expect((await api.get(`/v1/agent-runs/${upper}`)).body.run.id).toBe(runId);
      expect((await api.get(`/v1/agent-runs/${upper}/events`)).status).toBe(200);
      const cancelled = await control(upper, 'cancel');
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.run).toMatchObject({ id: runId, status: 'cancelled' });
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999999999999'])('answers thread id %s with 404', async (threadId) => {
      expectError(await api.get(`/v1/threads/${threadId}`), 404, 'thread not found');
      expectError(await api.patch(`/v1/threads/${threadId}`, { title: 'x' }), 404, 'thread not found');
    });

    it('answers a path with broken percent-encoding with a JSON 400', async () => {
      expectError(await api.get('/v1/agent-runs/%E0%A4%A'), 400);
    });
  });

  describe('invalid transitions', () => {
    const finish = async (runId: string, outcome: 'completed' | 'failed') => {
      expect((await control(runId, 'start')).status).toBe(200);
      await report(
        runId,
        1,
        outcome === 'completed'
          ? [{ kind: 'phase_started', phase: 'done' }, { kind: 'completed', result: { ok: true } }]
          : [{ kind: 'failed', errorMessage: 'boom' }],
      );
      await system.waitForRun(user, runId, (s) => s === outcome); // the read model catches up
    };
    const into: Record<string, (runId: string) => Promise<unknown>> = {
      pending: async () => undefined,
      running: (runId) => control(runId, 'start'),
      cancelled: (runId) => control(runId, 'cancel'),
      completed: (runId) => finish(runId, 'completed'),
      failed: (runId) => finish(runId, 'failed'),
    };
    const refused: [string, string[]][] = [
      ['pending', ['stop', 'retry']],
      ['running', ['start', 'retry']],
      ['cancelled', ['start', 'stop', 'cancel']],
      ['completed', ['start', 'stop', 'cancel', 'retry']],
      ['failed', ['start', 'stop', 'cancel']],
    ];

    it.each(refused)('a %s run refuses %j with 400 and stays exactly as it was', async (status, actions) => {
      const runId = await newRun();
      await into[status]!(runId);
      const before = await api.get(`/v1/agent-runs/${runId}`);
      expect(before.body.run.status).toBe(status);
      const logBefore = await readRunLog(system.js, runId);
      for (const action of actions)
        expectError(await control(runId, action), 400, `cannot ${action} a run that is ${status}`);
      expect(withoutClock((await api.get(`/v1/agent-runs/${runId}`)).body)).toEqual(withoutClock(before.body));
      expect(await readRunLog(system.js, runId)).toEqual(logBefore);
    });
  });

  /** `durationMs` of a running run counts up with the clock; everything else must not change. */
  const withoutClock = (body: { run: Record<string, unknown> }) => ({ ...body, run: { ...body.run, durationMs: undefined } });

  describe('query parameters', () => {
    it.each(['since=-1', 'since=abc', 'limit=0', 'limit=1001'])('GET …/events?%s → 400', async (query) => {
      const runId = await newRun();
      expectError(await api.get(`/v1/agent-runs/${runId}/events?${query}`), 400);
    });

    it.each(['limit=0', 'limit=101', 'status=bogus', 'tripId=abc', 'tripId=0', 'cursor=%%%', 'unknown=1'])(
      'GET /v1/agent-runs?%s → 400',
      async (query) => {
        expectError(await api.get(`/v1/agent-runs?${query}`), 400);
      },
    );

    // Input that passes validation but that Postgres cannot represent must never reach the SQL
    // (it used to answer 500 with QueryFailedError): a client's mistake is a 4xx.
    it('answers input the read model cannot represent with a 4xx, never a 500', async () => {
      const runId = await newRun();
      const forged = (id: unknown) => Buffer.from(JSON.stringify(['2024-01-01T00:00:00.000Z', id])).toString('base64url');
      const answers: Record<string, number> = {};
      for (const path of [
        `/v1/agent-runs/${runId}/events?since=2147483648`, // above int4: sequence is an integer column
        '/v1/agent-runs?tripId=2147483648', // thread_id is an integer column
        `/v1/agent-runs?cursor=${forged('not-a-uuid')}`, // the cursor's id is compared to a uuid column
        `/v1/threads?cursor=${forged('abc')}`, // Number('abc') is NaN
        '/v1/threads/2147483648', // parseThreadId accepts 16 digits
      ])
        answers[path] = (await api.get(path)).status;
      expectError(await api.patch('/v1/threads/2147483648', { title: 'x' }), 404, 'thread not found');
      expectError(await api.post('/v1/agent-runs', { tripId: 2147483648, triggerMessage: 'x' }), 400, [
        'tripId must not be greater than 2147483647',
      ]);
      expect(Object.entries(answers).filter(([, status]) => status >= 500)).toEqual([]);
    });
  });
});
