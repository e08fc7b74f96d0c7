import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { EVENT_UNIT_V1, HEADERS, STREAMS, SUBJECTS, eventsOf, type RunEvent } from '#contracts';
import { TestSystem } from './support/system';

/** What the public API calls each internal event type (as the Travelmode dialect documents it). */
const API_NAME: Record<string, string> = {
  RunCreated: 'RUN_CREATED',
  RunStarted: 'RUN_STARTED',
  RunCreatedV2: 'RUN_CREATED',
  RunStartedV2: 'RUN_STARTED',
  RunAnswered: 'MESSAGE_COMPLETED',
  RunDescribed: 'RUN_DESCRIBED',
  RunPhaseStarted: 'PHASE_STARTED',
  RunCompleted: 'RUN_COMPLETED',
  RunFailed: 'RUN_FAILED',
  RunCancelled: 'RUN_CANCELLED',
  RunRetried: 'RUN_RETRIED',
  RunClaimed: 'WORKER_ASSIGNED',
  RunMessageDelta: 'MESSAGE_DELTA',
  RunToolCalled: 'TOOL_CALL',
  RunToolCallCompleted: 'TOOL_RESULT',
  RunUsageRecorded: 'USAGE_RECORDED',
  RunArtifactCreated: 'ARTIFACT_CREATED',
};

interface Delivered {
  subject: string;
  streamSeq: number;
  redelivered: boolean;
  event: RunEvent;
}

/**
 * Another team's service reads the event log as the README's "Internal subscribers" contract
 * describes: its own durable pull consumer on RUN_EVENTS filtered to `runs.events.>`, decoding the
 * `{type, data, metadata}` envelope (one event, or an `EventUnitV1` of several) and the Runstream-* headers.
 */
describe('an internal subscriber on RUN_EVENTS', () => {
  let system: TestSystem;
  const user = 'usr_subscriber';
  const DURABLE = 'billing-audit';
  const RUNS = 10;
  let units = 0;

  beforeAll(async () => {
    system = await TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '20' } });
    // Created when the other team's service starts, before any run exists.
    await system.jsm.consumers.add(STREAMS.events, {
      durable_name: DURABLE,
      filter_subject: SUBJECTS.allRunEvents,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
    });
  });
  afterAll(() => system?.stop());

  /** Pulls until `count` events arrived, then one more empty pull to be sure nothing else comes. */
  async function drain(count: number): Promise<Delivered[]> {
    const consumer = await system.js.consumers.get(STREAMS.events, DURABLE);
    const seen: Delivered[] = [];
    units = 0;
    const deadline = Date.now() + 30_000;
    for (let idle = 0; idle < 2 && Date.now() < deadline; ) {
      const batch = await consumer.fetch({ max_messages: 50, expires: 1_000 });
      let got = 0;
      for await (const msg of batch) {
        // A message is one event, or an EventUnitV1 of consecutive events of one run (one append).
        const events = eventsOf<RunEvent>(msg.json());
        got += events.length;
        const headers = Object.fromEntries(
          [HEADERS.sequence, HEADERS.lastSequence, HEADERS.eventType].map((h) => [h, msg.headers?.get(h) || undefined]),
        );
        const expected =
          events.length === 1
            ? { [HEADERS.sequence]: String(events[0]!.metadata.sequence), [HEADERS.lastSequence]: undefined, [HEADERS.eventType]: events[0]!.type }
            : { [HEADERS.sequence]: String(events[0]!.metadata.sequence), [HEADERS.lastSequence]: String(events.at(-1)!.metadata.sequence), [HEADERS.eventType]: EVENT_UNIT_V1 };
        expect(headers).toEqual(expected);
        if (events.length > 1) units++;
        for (const event of events) seen.push({ subject: msg.subject, streamSeq: msg.seq, redelivered: msg.redelivered, event });
        msg.ack();
      }
      idle = got === 0 && seen.length >= count ? idle + 1 : 0;
    }
    return seen;
  }

  it('sees every event of every run, per run in sequence order, with headers matching the payload', async () => {
    const api = system.api(user);
    const runIds = await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const tripId = await system.thread(user, `Trip ${i}`);
        const created = await api.post('/v1/agent-runs', { tripId, triggerMessage: `Plan trip ${i} to Rome` });
        expect(created.status).toBe(201);
        const runId: string = created.body.run.id;
        expect((await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' })).status).toBe(200);
        await system.waitForRun(user, runId, (s) => s === 'completed', 30_000);
        return runId;
      }),
    );

    // What the API shows for each run: events 1..N.
    const apiEvents = new Map<string, any[]>();
    for (const runId of runIds) {
      const page = await api.get(`/v1/agent-runs/${runId}/events?since=0`);
      expect(page.status).toBe(200);
      expect(page.body.runStatus).toBe('completed');
      apiEvents.set(runId, page.body.events);
    }
    const expectedTotal = [...apiEvents.values()].reduce((n, events) => n + events.length + 1, 0); // + RunCreated

    const delivered = await drain(expectedTotal);
    expect(delivered.filter((d) => d.redelivered)).toEqual([]);
    expect(delivered).toHaveLength(expectedTotal);
    expect(new Set(delivered.map((d) => d.event.metadata.eventId)).size).toBe(expectedTotal);
    // Delivery follows the stream.
    const streamSeqs = delivered.map((d) => d.streamSeq);
    expect(streamSeqs).toEqual([...streamSeqs].sort((a, b) => a - b));

    // The reference agent's runs report several events at once (a phase and its text): some arrive as units.
    expect(units).toBeGreaterThan(0);
    for (const d of delivered) {
      expect(d.subject).toBe(SUBJECTS.runEvents(d.event.metadata.streamId));
      expect(Object.keys(d.event).sort()).toEqual(['data', 'metadata', 'type']);
    }

    for (const runId of runIds) {
      const mine = delivered.filter((d) => d.subject === SUBJECTS.runEvents(runId)).map((d) => d.event);
      // In delivery order, each run's sequences are 0, 1, 2 … with no gap, repeat or reordering.
      expect(mine.map((e) => e.metadata.sequence)).toEqual(mine.map((_, i) => i));
      expect(mine[0]).toMatchObject({ type: 'RunCreatedV2', data: { runId, spec: { input: { message: expect.any(String) } } } });
      expect(mine.every((e) => e.metadata.streamId === runId)).toBe(true);

      const shown = apiEvents.get(runId)!;
      expect(mine.slice(1).map((e) => ({ sequence: e.metadata.sequence, eventType: API_NAME[e.type], createdAt: e.metadata.createdAt }))).toEqual(
        shown.map((e) => ({ sequence: e.sequence, eventType: e.eventType, createdAt: e.createdAt })),
      );
      // Payloads tell the same story: the phases in order and the result.
      const phases = mine.filter((e) => e.type === 'RunPhaseStarted').map((e) => (e.data as { phase: string }).phase);
      expect(phases).toEqual(shown.filter((e) => e.eventType === 'PHASE_STARTED').map((e) => e.payload.phase));
      const completed = mine.at(-1)!;
      expect(completed.type).toBe('RunCompleted');
      expect((completed.data as { result: unknown }).result).toEqual(shown.at(-1).payload.result);
    }

    // Nothing left for the subscriber, and its acks were all taken.
    const info = await system.jsm.consumers.info(STREAMS.events, DURABLE);
    expect(info.num_pending).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  });
});
