import { RunDriver, SseConnection, range, resumingClient, sleep } from './support/sse';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

const user = 'usr_stream_faults';
const token = tokenFor(user);

/** The stream-service dies (kill -9) under live streams and comes back: clients resume exactly where they were. */
describe('stream-service crash during live streams', () => {
  let system: TestSystem;
  let driver: RunDriver;

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
    driver = new RunDriver(system, user);
  });
  afterAll(() => system?.stop());

  /**
   * Three clients on each of two live runs; the stream-service is killed (-9) mid-run and restarted on
   * its port while the worker keeps appending; every client resumes with since = the last sequence it
   * saw, and what each client got over its connections must be exactly 1..N.
   */
  const crashAndResume = async (base: () => string) => {
    const url = (runId: string, since: number) => `${base()}/v1/agent-runs/${runId}/stream?since=${since}`;
    const runs = [await driver.pendingRun(), await driver.pendingRun()];
    await Promise.all(runs.map((runId) => driver.start(runId)));
    const clients = await Promise.all(runs.flatMap((runId) => [0, 1, 2].map(async () => ({ runId, first: await SseConnection.open(url(runId, 0), { token }) }))));
    const producing = Promise.all(
      runs.map(async (runId) => {
        await driver.phases(runId, 300, 2, 15);
        await driver.complete(runId);
      }),
    );
    await Promise.all(clients.map(({ first }) => first.until((c) => (c.last ?? 0) >= 10)));

    await system.streamServices[0]!.kill();
    // The streams must end (so that clients, browsers included, reconnect): give them 3 s.
    await Promise.race([Promise.all(clients.map(({ first }) => first.done)), sleep(3_000)]);
    const stuck = clients.flatMap(({ first }, i) => (first.endedBy ? [] : [i]));
    clients.forEach(({ first }) => first.abort()); // a client-side watchdog would do this for the stuck ones
    await system.streamServices[0]!.spawn();

    const resumed = await Promise.all(
      clients.map(({ runId, first }) => resumingClient((since) => url(runId, since), token, () => undefined, { from: first.last })),
    );
    await producing;
    clients.forEach(({ first }, i) => {
      expect([...first.sequences, ...resumed[i]!.sequences]).toEqual(range(1, 302));
      expect(resumed[i]!.finished).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: 302 });
    });
    return { stuck };
  };

  it('clients connected to the stream-service reconnect with their last sequence after kill -9 and a restart: each gets exactly 1..N', async () => {
    const { stuck } = await crashAndResume(() => system.streamServices[0]!.url);
    expect(stuck).toEqual([]);
  });

  // Regression: an upstream that dies mid-stream used to leave the gateway's piped response open
  // forever (an EventSource never reconnected); the proxy now destroys it.
  it('clients through the gateway reconnect with their last sequence after kill -9 and a restart: each gets exactly 1..N', async () => {
    const { stuck } = await crashAndResume(() => system.gateway!.url);
    // Resuming is right once a client reconnects (checked above); but the gateway must end the streams.
    expect({ 'clients whose stream the gateway never ended': stuck }).toEqual({ 'clients whose stream the gateway never ended': [] });
  });
});

/** Any replica serves any run: a client may resume on another one. */
describe('two stream-service replicas', () => {
  let system: TestSystem;
  let driver: RunDriver;

  beforeAll(async () => {
    system = await TestSystem.start({
      streamServices: 2,
      workers: 0,
      streamServiceEnv: { STREAM_STATUS_INTERVAL_MS: '250' },
    });
    driver = new RunDriver(system, user);
  });
  afterAll(() => system?.stop());

  const replicaUrl = (i: number, runId: string, since: number) => `${system.streamServices[i]!.url}/v1/agent-runs/${runId}/stream?since=${since}`;

  it('a client streaming from replica A reconnects to replica B and resumes with no gap or duplicate', async () => {
    const runId = await driver.pendingRun();
    await driver.start(runId);
    const producing = (async () => {
      await driver.phases(runId, 200, 2, 10);
      await driver.complete(runId);
    })();

    const onA = await SseConnection.open(replicaUrl(0, runId, 0), { token });
    await onA.until((c) => (c.last ?? 0) >= 40);
    onA.abort();
    await onA.done;
    const lastOnA = onA.last!;
    const onB = await SseConnection.open(replicaUrl(1, runId, lastOnA), { token });
    await onB.until((c) => (c.last ?? 0) >= lastOnA + 60);
    onB.abort();
    await onB.done;
    // And back to A, this time resuming with Last-Event-ID only, as a browser's reconnect does.
    const backOnA = await SseConnection.open(replicaUrl(0, runId, 0), { token, headers: { 'last-event-id': String(onB.last) } });
    await producing;
    await backOnA.done;

    expect(onA.frames[0]).toEqual({ type: 'connected', runId, since: 0 });
    expect(onB.frames[0]).toEqual({ type: 'connected', runId, since: lastOnA });
    expect(backOnA.frames[0]).toEqual({ type: 'connected', runId, since: onB.last });
    expect([...onA.sequences, ...onB.sequences, ...backOnA.sequences]).toEqual(range(1, 202));
    expect(backOnA.frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: 202 });
  });

  it('replicas agree: the same run streamed from A and B at once gives the same frames', async () => {
    const runId = await driver.pendingRun();
    const [a, b] = await Promise.all([0, 1].map((i) => SseConnection.open(replicaUrl(i, runId, 0), { token })));
    await driver.play(runId, 80, 4, 5);
    await Promise.all([a!.done, b!.done]);
    const events = (c: SseConnection) => c.frames.filter((f) => f.type === 'run_event');
    expect(a!.sequences).toEqual(range(1, 82));
    expect(events(a!)).toEqual(events(b!));
    expect(a!.frames.at(-1)).toEqual(b!.frames.at(-1));
  });

  it('a replica shutting down ends its streams with an error frame; the clients resume on the other replica', async () => {
    const runId = await driver.pendingRun();
    await driver.start(runId);
    const producing = (async () => {
      await driver.phases(runId, 150, 2, 10);
      await driver.complete(runId);
    })();
    const onB = await SseConnection.open(replicaUrl(1, runId, 0), { token });
    await onB.until((c) => (c.last ?? 0) >= 20);
    await system.streamServices[1]!.stop(); // SIGTERM: graceful
    await onB.done;
    const error = onB.frames.at(-1)!;
    expect(error).toEqual({ type: 'error', error: expect.any(String), lastEventSequence: onB.last });
    expect(onB.endedBy).toBe('server');

    const onA = await SseConnection.open(replicaUrl(0, runId, error.lastEventSequence), { token });
    await producing;
    await onA.done;
    expect([...onB.sequences, ...onA.sequences]).toEqual(range(1, 152));
    expect(onA.frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: 152 });
    await system.streamServices[1]!.spawn();
  });
});
