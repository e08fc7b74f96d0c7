import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { STREAMS, SUBJECTS, eventsOf, type RunEvent } from '#contracts';

/** Every event stored on a run's subject, in stream order, read straight from JetStream. */
export async function readRunLog(js: JetStreamClient, runId: string): Promise<RunEvent[]> {
  const consumer = await js.consumers.get(STREAMS.events, {
    filter_subjects: SUBJECTS.runEvents(runId),
    deliver_policy: DeliverPolicy.All,
  });
  const events: RunEvent[] = [];
  const batch = await consumer.fetch({ max_messages: 10_000, expires: 2_000 });
  for await (const msg of batch) {
    events.push(...eventsOf<RunEvent>(msg.json()));
    if (msg.info.pending === 0) break;
  }
  return events;
}

/** Sequences must be 0..N exactly: no gap, no duplicate. */
export function expectGapless(events: RunEvent[]): void {
  const sequences = events.map((e) => e.metadata.sequence);
  expect(sequences).toEqual(sequences.map((_, i) => i));
}
