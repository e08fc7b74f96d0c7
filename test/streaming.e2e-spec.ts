import { EventSource } from 'eventsource';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { RunDriver, SlowClient, SseConnection, range, resumingClient, runEventSequences, type Frame } from './support/sse';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/** `GET /v1/agent-runs/{id}/stream` (seed 002) through the gateway, against the real processes. */
describe('live run streaming (SSE)', () => {
  let system: TestSystem;
  let driver: RunDriver;
  const user = 'usr_stream';
  const token = tokenFor(user);
  const streamUrl = (runId: string, since: number | string = 0) => `${system.gateway!.url}/v1/agent-runs/${runId}/stream?since=${since}`;

  beforeAll(async () => {
    system = await TestSystem.start({
      workers: 0,
      streamServiceEnv: {
        STREAM_STATUS_INTERVAL_MS: '200',
        STREAM_HEARTBEAT_MS: '200',
        STREAM_RETRY_MS: '700',
        STREAM_MAX_BUFFERED_BYTES: '65536',
      },
    });
    driver = new RunDriver(system, user);
  });
  afterAll(() => system?.stop());

  /** The `eventsource` package, as a Node client uses it: every frame until the server closes after run_finished. */
  const eventSource = (url: string, onOpen: () => void = () => undefined) =>
    new Promise<{ frames: Frame[]; ids: string[]; closedAfterFinish: boolean }>((resolve, reject) => {
      const frames: Frame[] = [];
      const ids: string[] = [];
      const es = new EventSource(url, {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, cookie: `session_token=${token}` } }),
      });
      const timer = setTimeout(() => (es.close(), reject(new Error(`no end: ${JSON.stringify(frames.slice(-3))}`))), 20_000);
      es.onopen = onOpen;
      es.onmessage = (message) => {
        const frame = JSON.parse(message.data) as Frame;
        frames.push(frame);
        if (frame.type === 'run_event') ids.push(message.lastEventId);
      };
      // The server ending the response is an `error` (the client would reconnect): stop here.
      es.onerror = () => {
        clearTimeout(timer);
        es.close();
        resolve({ frames, ids, closedAfterFinish: frames.at(-1)?.type === 'run_finished' });
      };
    });

  it('streams a live run from since=0 to run_finished: connected first, events 1..N, then the server closes', async () => {
    const runId = await driver.pendingRun();
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const streaming = eventSource(streamUrl(runId), opened);
    await open;
    const n = await driver.play(runId, 40, 2, 5);
    const { frames, ids, closedAfterFinish } = await streaming;

    expect(frames[0]).toEqual({ type: 'connected', runId, since: 0 });
    expect(frames.filter((f) => f.type === 'connected')).toHaveLength(1);
    const sequences = runEventSequences(frames);
    expect(sequences).toEqual(range(1, n));
    expect(ids).toEqual(sequences.map(String));
    const events = frames.filter((f) => f.type === 'run_event').map((f) => f.event);
    expect(events[0].eventType).toBe('RUN_STARTED');
    expect(events.at(-1).eventType).toBe('RUN_COMPLETED');
    for (const e of events) expect(Object.keys(e).sort()).toEqual(['createdAt', 'eventType', 'payload', 'sequence']);
    expect(frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: n });
    expect(closedAfterFinish).toBe(true);
    expect(frames.every((f) => ['connected', 'run_event', 'status', 'run_finished'].includes(f.type))).toBe(true);
  });

  it('replays a finished run from since=N-3: exactly N-2..N, run_finished, close', async () => {
    const { runId, n } = await driver.finishedRun(20);
    const { frames, closedAfterFinish } = await eventSource(streamUrl(runId, n - 3));
    // `status` heartbeats (every 200 ms here) may fall anywhere: the rest is exact.
    const withoutStatus = (fs: Frame[]) => fs.filter((f) => f.type !== 'status').map((f) => f.type);
    expect(withoutStatus(frames)).toEqual(['connected', 'run_event', 'run_event', 'run_event', 'run_finished']);
    expect(frames[0]).toEqual({ type: 'connected', runId, since: n - 3 });
    expect(runEventSequences(frames)).toEqual([n - 2, n - 1, n]);
    expect(frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: n });
    expect(closedAfterFinish).toBe(true);

    // Nothing missed: connected, run_finished, close.
    const upToDate = await SseConnection.open(streamUrl(runId, n), { token });
    await upToDate.done;
    expect(withoutStatus(upToDate.frames)).toEqual(['connected', 'run_finished']);
    expect(upToDate.endedBy).toBe('server');
  });

  it('dropping the connection at random points and resuming with since = last seen gives exactly 1..N', async () => {
    const runs = await Promise.all(
      [0, 1, 2].map(async () => {
        const runId = await driver.pendingRun();
        await driver.start(runId);
        return runId;
      }),
    );
    const cuts: number[][] = runs.map(() => []);
    const clients = runs.map((runId, i) =>
      resumingClient(
        (since) => streamUrl(runId, since),
        token,
        (attempt) => {
          if (attempt >= 12) return undefined;
          const ms = 10 + Math.floor(Math.random() * 120);
          cuts[i]!.push(ms);
          return ms;
        },
      ),
    );
    await Promise.all(
      runs.map(async (runId) => {
        await driver.phases(runId, 150, 3, 8);
        await driver.complete(runId);
      }),
    );
    const n = 152;
    const results = await Promise.all(clients);
    results.forEach(({ sequences, connections, finished }, i) => {
      const context = `cuts after ${cuts[i]!.join(',')} ms`;
      expect({ context, sequences }).toEqual({ context, sequences: range(1, n) });
      expect(connections).toBeGreaterThan(3);
      expect(finished).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: n });
    });
  });

  it('a reconnect carrying only Last-Event-ID (the URL still says since=0) resumes after it, without duplicates', async () => {
    const runId = await driver.pendingRun();
    await driver.start(runId);
    const client = resumingClient(
      () => streamUrl(runId, 0),
      token,
      (attempt) => (attempt < 8 ? 15 + Math.floor(Math.random() * 100) : undefined),
      { headers: (last): Record<string, string> => (last ? { 'last-event-id': String(last) } : {}) },
    );
    await driver.phases(runId, 120, 2, 6);
    await driver.complete(runId);
    const { sequences, connections } = await client;
    expect(sequences).toEqual(range(1, 122));
    expect(connections).toBeGreaterThan(3);
  });

  it('the larger of since and Last-Event-ID wins', async () => {
    const { runId, n } = await driver.finishedRun(10);
    const headerWins = await SseConnection.open(streamUrl(runId, 2), { token, headers: { 'last-event-id': String(n - 2) } });
    const sinceWins = await SseConnection.open(streamUrl(runId, n - 2), { token, headers: { 'last-event-id': '2' } });
    const onlyHeader = await SseConnection.open(`${system.gateway!.url}/v1/agent-runs/${runId}/stream`, { token, headers: { 'last-event-id': String(n - 1) } });
    await Promise.all([headerWins.done, sinceWins.done, onlyHeader.done]);
    expect(headerWins.frames[0]).toMatchObject({ type: 'connected', since: n - 2 });
    expect(headerWins.sequences).toEqual([n - 1, n]);
    expect(sinceWins.frames[0]).toMatchObject({ type: 'connected', since: n - 2 });
    expect(sinceWins.sequences).toEqual([n - 1, n]);
    expect(onlyHeader.sequences).toEqual([n]);
  });

  it('refuses before any stream starts: bearer 401, not the owner 404, unknown or malformed id 404, bad since 400', async () => {
    const { runId } = await driver.finishedRun(1);
    const expectJsonError = (c: SseConnection, status: number) => {
      expect({ status: c.status, type: c.headers.get('content-type') }).toEqual({ status, type: expect.stringContaining('application/json') });
      expect(c.body).toEqual({ error: expect.anything() });
    };
    const bearer = await SseConnection.open(streamUrl(runId), { headers: { authorization: `Bearer ${token}` } });
    expectJsonError(bearer, 401);
    const bearerAndCookie = await SseConnection.open(streamUrl(runId), { token, headers: { authorization: `Bearer ${token}` } });
    expectJsonError(bearerAndCookie, 401);
    expectJsonError(await SseConnection.open(streamUrl(runId)), 401);
    expectJsonError(await SseConnection.open(streamUrl(runId), { token: 'not-a-jwt' }), 401);
    expectJsonError(await SseConnection.open(streamUrl(runId), { token: tokenFor('usr_intruder') }), 404);
    expectJsonError(await SseConnection.open(streamUrl(randomUUID()), { token }), 404);
    expectJsonError(await SseConnection.open(streamUrl('not-a-uuid'), { token }), 404);
    expectJsonError(await SseConnection.open(streamUrl('12345'), { token }), 404);
    for (const since of ['-1', 'abc', '1.5', '1e3', '99999999999'])
      expectJsonError(await SseConnection.open(streamUrl(runId, since), { token }), 400);
    expectJsonError(await SseConnection.open(streamUrl(runId), { token, headers: { 'last-event-id': 'x' } }), 400);
  });

  it('answers an event stream with proxy-safe headers, a retry: line and id: = sequence on every run_event', async () => {
    const { runId, n } = await driver.finishedRun(5);
    const c = await SseConnection.open(streamUrl(runId), { token });
    await c.done;
    expect(c.status).toBe(200);
    expect(c.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(c.headers.get('x-accel-buffering')).toBe('no');
    expect(c.headers.get('cache-control')).toMatch(/no-cache/);
    expect(c.text).toMatch(/^retry: 700\n\n/m);
    expect(c.blocks.find((b) => b.retry !== undefined)?.retry).toBe(700);
    const eventBlocks = c.blocks.filter((b) => b.data && JSON.parse(b.data).type === 'run_event');
    expect(eventBlocks.map((b) => b.id)).toEqual(range(1, n).map(String));
    for (const b of eventBlocks) expect(JSON.parse(b.data!).event.sequence).toBe(Number(b.id));
    // Only run_event frames carry an id: the others must not move a browser's Last-Event-ID.
    expect(c.blocks.filter((b) => b.id !== undefined)).toHaveLength(n);
    expect(c.endedBy).toBe('server');
  });

  it('an idle pending run gets status frames and comment heartbeats; it goes live when started', async () => {
    const runId = await driver.pendingRun();
    const c = await SseConnection.open(streamUrl(runId), { token });
    await c.until((x) => x.frames.filter((f) => f.type === 'status').length >= 2 && x.blocks.filter((b) => b.comments.length).length >= 2, 5_000);
    expect(c.frames[0]).toEqual({ type: 'connected', runId, since: 0 });
    expect(c.frames.find((f) => f.type === 'status')).toEqual({ type: 'status', status: 'pending', phase: null, lastEventSequence: 0 });
    expect(c.blocks.filter((b) => b.comments.length).every((b) => b.data === undefined && b.id === undefined)).toBe(true);
    await driver.start(runId);
    await driver.phases(runId, 1);
    await c.until((x) => x.frames.some((f) => f.type === 'status' && f.lastEventSequence === 2));
    expect(c.frames.filter((f) => f.type === 'status').at(-1)).toEqual({ type: 'status', status: 'running', phase: 'reason', lastEventSequence: 2 });
    expect(c.sequences).toEqual([1, 2]);
    c.abort();
  });

  // Shared by the two slow-client tests below: the run and where the slow client was cut off.
  const slow = { runId: '', n: 0, cutAt: -1 };

  it('closes a client that never reads once its buffer is full, with an error frame; memory stays bounded', async () => {
    const service = system.streamServices[0]!;
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))![1]) * 1024;
    const runId = await driver.pendingRun();
    await driver.start(runId);

    // A raw HTTP/1.1 client straight to the stream-service: it sends the request and never reads. It is
    // test/support/slow-client.py because it needs a tiny receive window (SO_RCVBUF, TCP_MAXSEG), which
    // Node cannot set: over loopback the kernel would otherwise absorb ~4 MB before the server's own
    // buffer grew at all.
    const client = await SlowClient.connect(service.port, `/v1/agent-runs/${runId}/stream?since=0`, token);
    const before = rss();
    let peak = before;
    const sampling = setInterval(() => (peak = Math.max(peak, rss())), 20);
    const phases = 3_000; // ~500 KB of frames: far beyond the 64 KB bound plus the tiny kernel window
    await driver.phases(runId, phases, 500);
    await driver.complete(runId);
    clearInterval(sampling);

    // Only now read what the server handed over before giving up (its socket is destroyed 5 s after the error).
    const { received, how } = await client.readAll();
    const frames = [...received.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Frame);
    const seen = runEventSequences(frames);
    expect(how).toBe('eof');
    expect(seen).toEqual(range(1, seen.length));
    expect(seen.length).toBeLessThan(phases + 2);
    expect(frames.some((f) => f.type === 'run_finished')).toBe(false);
    expect(frames.at(-1)).toEqual({ type: 'error', error: expect.any(String), lastEventSequence: seen.length });
    expect(received.length).toBeLessThan(512 * 1024);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    Object.assign(slow, { runId, n: phases + 2, cutAt: seen.length });
  });

  it('a normal client then resumes from the slow client\'s last sequence and receives the rest on one connection', async () => {
    expect(slow.cutAt).toBeGreaterThanOrEqual(0);
    const resumed = await SseConnection.open(streamUrl(slow.runId, slow.cutAt), { token });
    await resumed.done;
    expect(resumed.frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: slow.n });
    expect(resumed.sequences).toEqual(range(slow.cutAt + 1, slow.n));
  });

  // Regression: the replay used to be written in one synchronous burst, so any history larger than
  // STREAM_MAX_BUFFERED_BYTES tripped the slow-client check however fast the client read. It is now
  // read in pages and paced by 'drain'.
  it('a fast client replaying more history than STREAM_MAX_BUFFERED_BYTES gets all of it', async () => {
    const { runId, n } = await driver.finishedRun(1_000); // ~165 KB of frames
    const c = await SseConnection.open(streamUrl(runId, 0), { token });
    await c.done;
    expect(c.frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: n });
    expect(c.sequences).toEqual(range(1, n));
  });

  it('a since past the end of a running run streams what comes next instead of swallowing it', async () => {
    const runId = await driver.pendingRun();
    await driver.start(runId);
    const c = await SseConnection.open(streamUrl(runId, 1_000), { token });
    await c.until((x) => x.frames.some((f) => f.type === 'connected'));
    await driver.phases(runId, 3);
    await driver.complete(runId);
    await c.done;
    expect(c.sequences).toEqual(range(2, 5));
    expect(c.frames.at(-1)).toMatchObject({ type: 'run_finished', status: 'completed' });
  });
});
