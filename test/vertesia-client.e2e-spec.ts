import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TestSystem } from './support/system';
import { signToken } from './support/tokens';
import { MessageType, VertesiaClientDriver, type AgentMessage, type RecordedRequest, type StreamView } from './support/vertesia-client';
import { waitFor } from '../tools/harness';

/**
 * The official Vertesia TypeScript client (`@vertesia/client` 1.5.0) against Runstream's Vertesia
 * Agent Runs API (seed 004), through the real processes: every call below is the client's own
 * (run in test/support/vertesia-client-driver.mjs, since the client is an ES module), and the
 * assertions are what a Vertesia user of that client expects (see /tmp/vertesia-study/REPORT.md
 * for the wire protocol the client speaks).
 */
describe('the official @vertesia/client against Runstream (seed 004)', () => {
  let system: TestSystem;
  let client: VertesiaClientDriver;
  let teammateClient: VertesiaClientDriver;
  let strangerClient: VertesiaClientDriver;
  const user = 'abc123';
  const token = signToken({ sub: user, org: 'acct_1', project: 'proj_1', scope: 'workflow:run', name: 'Abc', email: 'abc@example.com' });
  const teammate = signToken({ sub: 'mate', org: 'acct_1', project: 'proj_1', scope: 'workflow:run' });
  const stranger = signToken({ sub: 'eve', org: 'acct_2', project: 'proj_1', scope: 'workflow:run' });
  /** Credentials seen in URLs during the suite (the stream's access_token, signed-URL signatures). */
  const secretsInUrls = new Set<string>();

  beforeAll(async () => {
    // A step of 150 ms: a run takes a couple of seconds, long enough to be seen running and streamed live.
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '150' } });
    client = VertesiaClientDriver.start(system.gateway!.url, token);
    teammateClient = VertesiaClientDriver.start(system.gateway!.url, teammate);
    strangerClient = VertesiaClientDriver.start(system.gateway!.url, stranger);
  });
  afterAll(async () => {
    await Promise.allSettled([client?.stop(), teammateClient?.stop(), strangerClient?.stop()]);
    await system?.stop();
  });

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  /** The messages as the client delivered them, without the driver's receipt time. */
  const plain = (messages: AgentMessage[]) => messages.map(({ received_at: _, ...m }) => m);
  const key = (m: AgentMessage) => `${m.timestamp}|${m.type}|${m.message}`;
  const types = (messages: AgentMessage[]) => messages.map((m) => m.type);

  /** Every message once, in timestamp order (a resume with `since` relies on both). */
  function expectOnceInOrder(messages: AgentMessage[]) {
    const keys = messages.map(key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    const stamps = messages.map((m) => m.timestamp);
    const notIncreasing = stamps.flatMap((t, i) => (i > 0 && t <= stamps[i - 1]! ? [`#${i}: ${stamps[i - 1]} → ${t}`] : []));
    expect(notIncreasing).toEqual([]);
  }

  /** The stream resolved by itself (not aborted, not rejected), delivering nothing afterwards. */
  function expectEndedByItself(view: StreamView, last: number) {
    expect({ settled: view.settled, error: view.error, resolvedWith: view.resolvedWith, afterSettle: view.messagesAfterSettle }).toEqual({
      settled: true,
      error: null,
      resolvedWith: null,
      afterSettle: 0,
    });
    expect(view.messages.at(-1)?.type).toBe(last);
  }

  const streamRequests = (requests: RecordedRequest[], runId: string) => requests.filter((r) => new URL(r.url).pathname === `/api/v1/agents/${runId}/stream`);
  const rememberStreamTokens = (requests: RecordedRequest[]) => {
    for (const r of requests) {
      const url = new URL(r.url);
      const accessToken = url.searchParams.get('access_token');
      if (accessToken) secretsInUrls.add(accessToken);
      const sig = url.searchParams.get('sig');
      if (sig) secretsInUrls.add(sig);
    }
  };

  const startRun = (task: string, extra: Record<string, unknown> = {}) =>
    client.agents('start', { interaction: 'trip-planner', data: { task }, interactive: true, ...extra });
  /** Runstream's own status (the Vertesia view folds `waiting_for_input` into `running`). */
  const coreStatus = async (runId: string) => (await system.api().as(token).get(`/v1/agent-runs/${runId}`)).body.run.status as string;
  const untilWaiting = (runId: string) => waitFor(`run ${runId} waiting for input`, async () => (await coreStatus(runId)) === 'waiting_for_input', 30_000, 50);
  /** The input itself goes through Runstream's route (Vertesia's `UserInput` is only a signal). */
  const giveInput = async (runId: string, content: string) => {
    const res = await system.api().as(token).post(`/v1/agent-runs/${runId}/input`, { content });
    expect([res.status, res.body?.run?.status]).toEqual([200, 'running']);
  };
  const untilStatus = (runId: string, status: string) =>
    waitFor(`agent run ${runId} ${status}`, async () => {
      const run = await client.agents('retrieve', runId);
      return run.status === status ? run : null;
    }, 40_000, 100);
  /**
   * The stored messages of a run that has ended. The stream is served from the event log and can
   * be a moment ahead of the read model `/updates` and `retrieve` answer from, so a comparison
   * waits for `retrieve` to show the end first (the same projection writes both).
   */
  const storedMessagesOnceEnded = async (runId: string, status = 'completed'): Promise<AgentMessage[]> => {
    await untilStatus(runId, status);
    return client.agents('retrieveMessages', runId);
  };

  // ── a run, end to end ──────────────────────────────────────────────────────────────────────

  let rome: any;
  let romeMessages: AgentMessage[];

  it('start answers an AgentRun; retrieve and list({ status: "running" }) show it running', async () => {
    rome = await startRun('Plan 3 days in Rome', { tags: ['analysis'] });
    // Opened at once, so the stream sees the run live (next test).
    await client.streamStart('rome', rome.id);
    expect(rome).toMatchObject({
      id: expect.any(String),
      run_kind: 'agent',
      run_type: 'autonomous',
      account: 'acct_1',
      project: 'proj_1',
      interaction: 'trip-planner',
      data: { task: 'Plan 3 days in Rome' },
      interactive: true,
      status: 'running',
      started_by: `user:${user}`,
      tags: ['analysis'],
      visibility: 'project',
      interactionRef: expect.objectContaining({ name: 'trip-planner', status: expect.any(String), version: expect.any(Number), tags: expect.any(Array) }),
    });
    for (const field of ['started_at', 'created_at', 'updated_at']) expect(new Date(rome[field]).toISOString()).toBe(rome[field]);

    const retrieved = await client.agents('retrieve', rome.id);
    expect(retrieved).toMatchObject({ id: rome.id, status: 'running', account: 'acct_1', project: 'proj_1', started_by: `user:${user}`, tags: ['analysis'] });

    const running = await client.agents('list', { status: 'running', limit: 50 });
    expect(running).toEqual(expect.objectContaining({ items: expect.any(Array), total_count: expect.any(Number), next_cursor: null }));
    expect(running.items.map((r: any) => r.id)).toContain(rome.id);
    expect(running.items.filter((r: any) => r.status !== 'running')).toEqual([]);
    expect(running.total_count).toBeGreaterThanOrEqual(running.items.length);

    // Project visibility: a teammate of the project sees it; another account does not (404 → ZenoClientNotFoundError).
    expect((await teammateClient.agents('retrieve', rome.id)).id).toBe(rome.id);
    const hidden = await strangerClient.failure('retrieve', rome.id);
    expect(hidden.error.status).toBe(404);
    expect(hidden.error.message).toMatch(/^Resource not found/);
    expect((await strangerClient.agents('list', { limit: 50 })).items).toEqual([]);
  });

  it('streamMessages delivers every message once, in order, and resolves by itself at `complete`', async () => {
    const view = await client.streamWait('rome', 40_000);
    expectEndedByItself(view, MessageType.COMPLETE);
    expectOnceInOrder(view.messages);
    expect(types(view.messages).filter((t) => t === MessageType.COMPLETE)).toHaveLength(1);
    expect(view.messages.every((m) => m.workflow_run_id === rome.id && m.workstream_id === 'main')).toBe(true);
    // The run as the messages tell it: started, its phases, a tool call, the reasoning streamed, the answer.
    expect(view.messages[0]).toMatchObject({ type: MessageType.SYSTEM });
    for (const t of [MessageType.UPDATE, MessageType.THOUGHT, MessageType.STREAMING_CHUNK, MessageType.ANSWER]) expect(types(view.messages)).toContain(t);
    expect(view.messages.find((m) => m.type === MessageType.ANSWER)!.message).toContain('Rome');

    // The same messages as the stored ones (GET /updates), nothing missing, nothing extra.
    romeMessages = await storedMessagesOnceEnded(rome.id);
    expect(plain(view.messages)).toEqual(romeMessages);

    // One SSE connection (no reconnect loop), authenticated by the access_token parameter only.
    const requests = await client.requests();
    rememberStreamTokens(requests);
    const sse = streamRequests(requests, rome.id);
    expect(sse).toHaveLength(1);
    expect(sse[0]).toMatchObject({ status: 200, contentType: expect.stringMatching(/^text\/event-stream/) });
    const url = new URL(sse[0]!.url);
    expect(url.searchParams.get('access_token')).toBe(token);
    expect(url.searchParams.get('skipHistory')).toBe('true');
    expect(sse[0]!.headers.authorization).toBeUndefined();
    // The client only opens the stream after reading the history; a message is either in it or on the stream.
    expect(view.history).not.toBeNull();
    expect(view.history!).toBeLessThan(view.messages.length);
  });

  it('a finished run: retrieve says completed, list({ status: ["completed"] }) has it, a later stream ends from the history alone', async () => {
    const done = await client.agents('retrieve', rome.id);
    expect(done).toMatchObject({ id: rome.id, status: 'completed' });
    expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.started_at));
    const completed = await client.agents('list', { status: ['completed'], limit: 50 });
    expect(completed.items.map((r: any) => r.id)).toContain(rome.id);
    expect(completed.items.filter((r: any) => r.status !== 'completed')).toEqual([]);
    expect((await client.agents('list', { status: 'running', limit: 200 })).items.map((r: any) => r.id)).not.toContain(rome.id);
    const limited = await client.agents('list', { limit: 1 });
    expect(limited.items).toHaveLength(1);

    // REPORT §5.7: the history of a finished run ends with `complete`, so the client resolves without opening an SSE.
    const before = (await client.requests()).length;
    await client.streamStart('rome-again', rome.id);
    const again = await client.streamWait('rome-again', 30_000);
    expectEndedByItself(again, MessageType.COMPLETE);
    expect(plain(again.messages)).toEqual(romeMessages);
    expect(streamRequests(await client.requests(before), rome.id)).toEqual([]);

    // `since` = a mid-run timestamp: exactly the messages after it.
    const mid = romeMessages[Math.floor(romeMessages.length / 2)]!.timestamp;
    await client.streamStart('rome-since', rome.id, mid);
    const after = await client.streamWait('rome-since', 30_000);
    expectEndedByItself(after, MessageType.COMPLETE);
    expect(plain(after.messages)).toEqual(romeMessages.filter((m) => m.timestamp > mid));
    expect(await client.agents('retrieveMessages', rome.id, mid)).toEqual(romeMessages.filter((m) => m.timestamp > mid));
  });

  it('each streaming chunk names the message it belongs to (details.streaming_id)', async () => {
    // Runstream's own view of the same run: the deltas and the message each belongs to.
    const events = (await system.api().as(token).get(`/v1/agent-runs/${rome.id}/events?since=0&limit=1000`)).body.events as any[];
    const deltas = events.filter((e) => e.eventType === 'MESSAGE_DELTA');
    expect(deltas.length).toBeGreaterThan(0);
    const chunks = romeMessages.filter((m) => m.type === MessageType.STREAMING_CHUNK);
    expect(chunks.map((m) => m.message)).toEqual(deltas.map((e) => e.payload.text));
    // REPORT §3.3: toAgentMessage takes details.streaming_id from `d.streaming_id`, else the workstream, else 'main'.
    expect(chunks.map((m) => m.details?.streaming_id)).toEqual(deltas.map((e) => e.payload.messageId));
  });

  // ── a run that waits for input ─────────────────────────────────────────────────────────────

  it('a waiting run: sendSignal, query (AgentPlan), then input; a second stream started with a mid-run `since` gets exactly the later messages', async () => {
    const run = await startRun('Plan a trip');
    expect(run).toMatchObject({ status: 'running', data: { task: 'Plan a trip' } });
    await client.streamStart('ask', run.id);
    const asking = await client.streamUntil('ask', MessageType.REQUEST_INPUT, 30_000);
    const prompt = asking.messages.find((m) => m.type === MessageType.REQUEST_INPUT);
    expect(prompt?.message).toBe('Where would you like to go?');
    expect(asking.settled).toBe(false);
    await untilWaiting(run.id);
    // Vertesia has no waiting status: the run is `running`, and listed so.
    expect((await client.agents('retrieve', run.id)).status).toBe('running');
    expect((await client.agents('list', { status: 'running', limit: 200 })).items.map((r: any) => r.id)).toContain(run.id);

    const sent = await client.agents('sendSignal', run.id, 'UserInput', { message: 'Please also include a summary' });
    expect(sent).toEqual({ status: expect.any(String), message: expect.any(String) });
    const plan = await client.agents('query', run.id, 'AgentPlan');
    expect(plan).toMatchObject({ current: 'understand', completed: [] });
    expect(plan.phases).toContain('understand');
    const unknown = await client.failure('query', run.id, 'NoSuchQuery');
    expect(unknown.error.status).toBe(404);

    // The signal shows in the stream; the mid-run point is the prompt's timestamp.
    const signalled = await waitFor('the signal in the stream', async () => {
      const view = await client.streamPeek('ask');
      return view.messages.some((m) => m.type === MessageType.UPDATE && m.details?.signal === 'UserInput') ? view : null;
    }, 30_000, 50);
    const mid = prompt!.timestamp;
    expect(signalled.messages.filter((m) => m.timestamp > mid).length).toBeGreaterThan(0);
    await client.streamStart('ask-since', run.id, mid);
    // Both streams are open (the second has read its history) before the run goes on.
    await waitFor('the second stream connected', async () => {
      const requests = await client.requests();
      return streamRequests(requests, run.id).filter((r) => r.status === 200).length >= 2 ? true : null;
    }, 30_000, 50);

    await giveInput(run.id, 'Lisbon');
    const first = await client.streamWait('ask', 40_000);
    const second = await client.streamWait('ask-since', 40_000);
    expectEndedByItself(first, MessageType.COMPLETE);
    expectEndedByItself(second, MessageType.COMPLETE);
    expectOnceInOrder(first.messages);
    expectOnceInOrder(second.messages);
    const stored = await storedMessagesOnceEnded(run.id);
    expect(plain(first.messages)).toEqual(stored);
    expect(plain(second.messages)).toEqual(stored.filter((m: AgentMessage) => m.timestamp > mid));
    // The prompt itself is at `since`, so not repeated.
    expect(second.messages.some((m) => m.type === MessageType.REQUEST_INPUT)).toBe(false);

    const complete = first.messages.at(-1)!;
    expect(complete.details?.result).toMatchObject({ destination: 'Lisbon' });
    expect(complete.details?.result?.notes).toEqual([{ signal: 'UserInput', payload: { message: 'Please also include a summary' } }]);
    expect((await client.agents('retrieve', run.id)).status).toBe('completed');
    rememberStreamTokens(await client.requests());
  });

  it('getActiveWorkstreams (query ActiveWorkstreams) answers { running: [...] }', async () => {
    const run = await startRun('Plan a trip');
    await untilWaiting(run.id);
    // REPORT §1 and §2.5: ActiveWorkstreamsQueryResult = { running: ActiveWorkstreamEntry[]; completed?; unavailable? }.
    const viaQuery = await client.agents('query', run.id, 'ActiveWorkstreams');
    const workstreams = await client.agents('getActiveWorkstreams', run.id);
    // A signal without a payload: the client sends no body and no content-type (REPORT §1.1).
    const bare = await client.agents('sendSignal', run.id, 'FileBatchClosed');
    await client.agents('terminate', run.id, 'test over');
    expect(bare).toEqual({ status: expect.any(String), message: expect.any(String) });
    expect(workstreams).toEqual(viaQuery);
    expect(workstreams).toEqual(expect.objectContaining({ running: [] }));
  });

  // ── terminate, restart, fork ───────────────────────────────────────────────────────────────

  let cancelled: any;

  it('terminate(id, reason) cancels; a stream open on the run ends by itself with `terminated`', async () => {
    cancelled = await startRun('Plan a trip');
    await client.streamStart('doomed', cancelled.id);
    await client.streamUntil('doomed', MessageType.REQUEST_INPUT, 30_000);
    const answer = await client.agents('terminate', cancelled.id, 'No longer needed');
    expect(answer).toMatchObject({ message: expect.any(String), reason: 'No longer needed' });
    expect(await client.agents('retrieve', cancelled.id)).toMatchObject({ id: cancelled.id, status: 'cancelled' });
    const view = await client.streamWait('doomed', 30_000);
    expectEndedByItself(view, MessageType.TERMINATED);
    expectOnceInOrder(view.messages);
    expect(plain(view.messages)).toEqual(await storedMessagesOnceEnded(cancelled.id, 'cancelled'));
    expect((await client.agents('list', { status: ['cancelled'], limit: 200 })).items.map((r: any) => r.id)).toContain(cancelled.id);
    // Terminating again is refused (the client throws a ServerError).
    expect((await client.failure('terminate', cancelled.id, 'again')).error.status).toBeGreaterThanOrEqual(400);
  });

  it('restart(id) continues the same run: same id, running again, its stream ends at the new `complete`', async () => {
    const restarted = await client.agents('restart', rome.id);
    expect(restarted).toMatchObject({ id: rome.id, status: 'running', interaction: 'trip-planner', started_by: `user:${user}` });
    await client.streamStart('rome-restarted', rome.id);
    const view = await client.streamWait('rome-restarted', 40_000);
    expectEndedByItself(view, MessageType.COMPLETE);
    expectOnceInOrder(view.messages);
    const stored = await storedMessagesOnceEnded(rome.id);
    expect(plain(view.messages)).toEqual(stored);
    expect(stored.slice(0, romeMessages.length)).toEqual(romeMessages);
    expect(types(stored).filter((t) => t === MessageType.COMPLETE)).toHaveLength(2);
    expect((await client.agents('retrieve', rome.id)).status).toBe('completed');
    // The restart itself, as Vertesia types it (REPORT §3.2: RESTARTING = 14).
    const between = stored.slice(romeMessages.length);
    expect(between[0]).toMatchObject({ type: MessageType.RESTARTING, message: expect.stringContaining('Restarting') });
  });

  it('restart of a terminated run runs it again under the same id', async () => {
    const again = await client.agents('restart', cancelled.id);
    expect(again).toMatchObject({ id: cancelled.id, status: 'running' });
    // The task still names no destination: it asks again.
    await untilWaiting(cancelled.id);
    expect(await client.agents('terminate', cancelled.id, 'done with it')).toMatchObject({ reason: 'done with it' });
    expect((await untilStatus(cancelled.id, 'cancelled')).id).toBe(cancelled.id);
    const stored: AgentMessage[] = await client.agents('retrieveMessages', cancelled.id);
    expect(types(stored).filter((t) => t === MessageType.TERMINATED)).toHaveLength(2);
    expect(stored.at(-1)).toMatchObject({ type: MessageType.TERMINATED, message: 'done with it' });
  });

  it('fork(id) makes a new run with its own id and forked_from, which runs to completion', async () => {
    const forked = await client.agents('fork', rome.id);
    expect(forked).toMatchObject({ status: 'running', forked_from: rome.id, interaction: 'trip-planner', account: 'acct_1', project: 'proj_1' });
    expect(forked.id).toEqual(expect.any(String));
    expect(forked.id).not.toBe(rome.id);
    await client.streamStart('fork', forked.id);
    const view = await client.streamWait('fork', 40_000);
    expectEndedByItself(view, MessageType.COMPLETE);
    expectOnceInOrder(view.messages);
    expect(plain(view.messages)).toEqual(await storedMessagesOnceEnded(forked.id));
    expect(await client.agents('retrieve', forked.id)).toMatchObject({ id: forked.id, status: 'completed', forked_from: rome.id });
    // The source is untouched.
    expect((await client.agents('retrieve', rome.id)).status).toBe('completed');
  });

  it('list pages with limit/offset (the seed) and walks every run once', async () => {
    const all = await client.agents('list', { limit: 200 });
    const ids: string[] = all.items.map((r: any) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(all.total_count).toBe(ids.length);
    expect(new Set(ids).size).toBe(ids.length);
    const walked: string[] = [];
    for (let offset = 0; offset < 100; offset += 2) {
      const page = await client.agents('list', { limit: 2, offset });
      if (page.items.length === 0) break;
      expect(page.total_count).toBe(ids.length);
      walked.push(...page.items.map((r: any) => r.id));
    }
    expect(walked).toEqual(ids);
  });

  it('list: next_cursor leads to the next page through `cursor` (REPORT §2.3)', async () => {
    const ids: string[] = (await client.agents('list', { limit: 200 })).items.map((r: any) => r.id);
    // ListAgentRunsResponse.next_cursor (string | null) and ListAgentRunsQuery.cursor ("cursor for stable pagination").
    const first = await client.agents('list', { limit: 1 });
    expect(first.items.map((r: any) => r.id)).toEqual(ids.slice(0, 1));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await client.agents('list', { limit: 1, cursor: first.next_cursor });
    expect(second.items.map((r: any) => r.id)).toEqual(ids.slice(1, 2));
  });

  it('list takes the filters the client sends: interaction, started_by, run_type, run_kind (REPORT §2.3, §5.4)', async () => {
    const ids: string[] = (await client.agents('list', { limit: 200 })).items.map((r: any) => r.id);
    const filtered = async (query: Record<string, unknown>) => {
      try {
        return (await client.agents('list', { limit: 200, ...query })).items.map((r: any) => r.id);
      } catch (error) {
        return (error as Error).message.split('\n')[0];
      }
    };
    // Every run here is the user's own autonomous agent run of trip-planner.
    expect({
      interaction: await filtered({ interaction: 'trip-planner' }),
      started_by: await filtered({ started_by: `user:${user}` }),
      run_type: await filtered({ run_type: ['autonomous'] }),
      run_kind: await filtered({ run_kind: 'agent' }),
    }).toEqual({ interaction: ids, started_by: ids, run_type: ids, run_kind: ids });
  });

  let failed: { id: string; messages: AgentMessage[] };

  it('a failed run: the stream ends by itself with `terminated` carrying the error, each message once with its own timestamp', async () => {
    // `#fail-once` makes the reference agent fail attempt 1 at `act`.
    const run = await startRun('Plan 2 days in Rome #fail-once');
    await client.streamStart('failing', run.id);
    const view = await client.streamWait('failing', 40_000);
    expectEndedByItself(view, MessageType.TERMINATED);
    const stored = await storedMessagesOnceEnded(run.id, 'failed');
    failed = { id: run.id, messages: stored };
    expect(plain(view.messages)).toEqual(stored);
    // One message per event: the failure is the `terminated` end, its text the error.
    expect(types(stored).at(-1)).toBe(MessageType.TERMINATED);
    expect(stored.at(-1)!.message).toBe('simulated failure on the first attempt');
    expect(stored.at(-1)!.details).toMatchObject({ status: 'failed', error: 'simulated failure on the first attempt' });
    // `since` is a timestamp (REPORT §3.4): two messages sharing one cannot be told apart by a resume.
    expectOnceInOrder(view.messages);
  });

  it('a client that saw the message before the end of a failed run and resumes from its timestamp still gets the `terminated` end', async () => {
    const error = failed.messages.at(-2)!;
    const before = (await client.requests()).length;
    await client.streamStart('failing-resumed', failed.id, error.timestamp);
    const resumed = await client.streamWait('failing-resumed', 10_000);
    // (After an SSE error the 1.5.0 client ignores the abort, REPORT §3.4 caveat; the driver's exit ends it.)
    if (!resumed.settled) await client.streamAbort('failing-resumed');
    const sse = streamRequests(await client.requests(before), failed.id);
    rememberStreamTokens(sse);
    const afterError: AgentMessage[] = await client.agents('retrieveMessages', failed.id, error.timestamp);
    expect({ updates: types(afterError), streamed: types(resumed.messages), endedByItself: resumed.settled }).toEqual({
      updates: [MessageType.TERMINATED],
      streamed: [MessageType.TERMINATED],
      endedByItself: true,
    });
    // Ended from the history, or on the one stream it opened: no reconnect loop.
    expect(sse.map((r) => r.status)).toEqual(sse.length === 0 ? [] : [200]);
  });

  // ── artifacts ──────────────────────────────────────────────────────────────────────────────

  it('uploadArtifact (two steps), listArtifacts, getArtifactUrl and downloadArtifact round-trip the bytes', async () => {
    const run = await startRun('Plan 2 days in Paris');
    await untilStatus(run.id, 'completed');
    // ~400 KB of CSV, several Object Store chunks, with multi-byte UTF-8.
    const rows = Array.from({ length: 6000 }, (_, i) => `${i},café €${i},${randomBytes(24).toString('hex')}`);
    const csv = Buffer.from(`id,name,hash\n${rows.join('\n')}\n`, 'utf8');
    const before = (await client.requests()).length;
    const uploaded = await client.upload(run.id, 'data.csv', csv, 'text/csv');
    expect(uploaded).toEqual(expect.objectContaining({ url: expect.any(String), path: 'data.csv' }));
    // Step 1: an empty PUT with the token; step 2: the bytes to the signed URL, without it.
    const puts = (await client.requests(before)).filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [new URL(r.url).pathname, r.headers.authorization === `Bearer ${token}`, r.status! < 300])).toEqual([
      [`/api/v1/agents/${run.id}/artifacts/data.csv`, true, true],
      [new URL(uploaded.url).pathname, false, true],
    ]);

    const other = Buffer.from('quarter,total\nQ4,42\n');
    await client.upload(run.id, 'reports/Q4 summary #1.csv', other, 'text/csv');
    const listed = await client.agents('listArtifacts', run.id);
    expect(Array.isArray(listed)).toBe(true);
    expect([...listed].sort()).toEqual(['data.csv', 'reports/Q4 summary #1.csv']);

    const link = await client.agents('getArtifactUrl', run.id, 'data.csv', 'inline');
    expect(link).toEqual(expect.objectContaining({ url: expect.any(String), path: 'data.csv' }));
    // The URL works by itself, as a browser would open it.
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition') ?? '').toMatch(/^inline/);
    const viaLink = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(viaLink).digest('hex')).toBe(createHash('sha256').update(csv).digest('hex'));

    const downloaded = await client.download(run.id, 'data.csv');
    expect(downloaded.length).toBe(csv.length);
    expect(downloaded.equals(csv)).toBe(true);
    expect((await client.download(run.id, 'reports/Q4 summary #1.csv')).equals(other)).toBe(true);

    // A second upload to a path replaces the file.
    const replaced = Buffer.from('id\n1\n');
    await client.upload(run.id, 'data.csv', replaced, 'text/csv');
    expect((await client.download(run.id, 'data.csv')).equals(replaced)).toBe(true);
    expect([...(await client.agents('listArtifacts', run.id))].sort()).toEqual(['data.csv', 'reports/Q4 summary #1.csv']);

    // Another account gets neither the list nor a URL; an unknown file is a not-found error.
    expect((await strangerClient.failure('listArtifacts', run.id)).error.status).toBe(404);
    expect((await strangerClient.failure('getArtifactUrl', run.id, 'data.csv')).error.status).toBe(404);
    expect((await client.failure('getArtifactUrl', run.id, 'nope.csv')).error.status).toBe(404);
    rememberStreamTokens([...(await client.requests(before)), { url: link.url } as RecordedRequest, { url: uploaded.url } as RecordedRequest]);
  });

  // ── an interrupted stream ──────────────────────────────────────────────────────────────────

  it('a stream cut off mid-run (the stream-service restarted) reconnects and delivers the rest without loss or repeat', async () => {
    const run = await startRun('Plan a trip');
    await client.streamStart('cut', run.id);
    await client.streamUntil('cut', MessageType.REQUEST_INPUT, 30_000);
    await untilWaiting(run.id);
    const streamService = system.streamServices[0]!;
    await streamService.stop();
    // The run goes on (and finishes) while no stream-service is up.
    await giveInput(run.id, 'Tokyo');
    await untilStatus(run.id, 'completed');
    await streamService.spawn();
    const view = await client.streamWait('cut', 90_000);
    expectEndedByItself(view, MessageType.COMPLETE);
    expectOnceInOrder(view.messages);
    expect(plain(view.messages)).toEqual(await storedMessagesOnceEnded(run.id));
    // It really was cut: the client connected more than once.
    const requests = await client.requests();
    rememberStreamTokens(requests);
    expect(streamRequests(requests, run.id).filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
  });

  // ── credentials in logs ────────────────────────────────────────────────────────────────────

  it("no service log holds the stream's access_token (or a signed URL's signature)", async () => {
    // Every token the suite sent in a stream URL; the users' tokens besides.
    expect([...secretsInUrls]).toContain(token);
    await new Promise((r) => setTimeout(r, 1_000));
    const services = [system.gateway!, ...system.runServices, ...system.streamServices, ...system.artifactServices, ...system.workers];
    const logs = services.map((s) => ({ file: s.logFile, text: readFileSync(s.logFile, 'utf8') }));
    // The logs are the ones of this suite's processes, and they do record the stream requests (masked).
    const gatewayLog = logs[0]!.text;
    expect(gatewayLog).toContain(`/api/v1/agents/${rome.id}/stream?`);
    expect(gatewayLog).toMatch(/access_token=(%5B|\[)redacted/);
    for (const secret of [...secretsInUrls, token, teammate, stranger]) {
      const leaks = logs.filter((l) => l.text.includes(secret)).map((l) => l.file);
      expect([secret.slice(0, 12), leaks]).toEqual([secret.slice(0, 12), []]);
    }
  });
});
