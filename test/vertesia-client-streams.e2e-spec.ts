import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TestSystem } from './support/system';
import { MessageType, VertesiaClientDriver, type AgentMessage, type RecordedRequest } from './support/vertesia-client';
import { expectEndedByItself, expectOnceInOrder, plain, runHelpers, stranger, streamRequests, teammate, token, types, urlSecretsCollector, user } from './support/vertesia-client-fixtures';
import { waitFor } from '../tools/harness';

/** The official @vertesia/client (seed 004): runs streamed live, a waiting run, a failed run, artifacts, a cut stream, and no stream credential in any service log. */
describe('the official @vertesia/client against Runstream (seed 004)', () => {
  let system: TestSystem;
  let client: VertesiaClientDriver;
  let teammateClient: VertesiaClientDriver;
  let strangerClient: VertesiaClientDriver;
  /** Credentials seen in URLs during the suite (the stream's access_token, signed-URL signatures). */
  const secretsInUrls = new Set<string>();
  const rememberStreamTokens = urlSecretsCollector(secretsInUrls);
  const { startRun, untilWaiting, giveInput, untilStatus, storedMessagesOnceEnded } = runHelpers(() => ({ system, client }));

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

  // ── a failed run ───────────────────────────────────────────────────────────────────────────

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
