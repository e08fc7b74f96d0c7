import { TestSystem } from './support/system';
import { MessageType, VertesiaClientDriver, type AgentMessage } from './support/vertesia-client';
import { expectEndedByItself, expectOnceInOrder, plain, runHelpers, streamRequests, token, types, user } from './support/vertesia-client-fixtures';

/** The official @vertesia/client (seed 004): a finished run read again, queries, terminate, restart and fork, and list paging and filters. */
describe('the official @vertesia/client against Runstream (seed 004)', () => {
  let system: TestSystem;
  let client: VertesiaClientDriver;
  const { startRun, untilWaiting, untilStatus, storedMessagesOnceEnded } = runHelpers(() => ({ system, client }));

  /** The user's Rome run, run to its end, and its stored messages: what the tests below read, restart and fork. */
  let rome: any;
  let romeMessages: AgentMessage[];

  beforeAll(async () => {
    // A step of 150 ms: a run takes a couple of seconds, long enough to be seen running and streamed live.
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '150' } });
    client = VertesiaClientDriver.start(system.gateway!.url, token);
    rome = await startRun('Plan 3 days in Rome', { tags: ['analysis'] });
    romeMessages = await storedMessagesOnceEnded(rome.id);
  });
  afterAll(async () => {
    await Promise.allSettled([client?.stop()]);
    await system?.stop();
  });

  // ── a finished run ─────────────────────────────────────────────────────────────────────────

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
});
