import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { EVENT_UNIT_V1, HEADERS, STREAMS, type EventMetadata } from '#contracts';
import { AckedPublisher } from './acked-publisher';
import { decodeEvents } from './connection';
import { LogCapacity, StorageFull, isStorageFull } from './log-capacity';

export interface AnyEvent {
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface StoredEvent<E extends AnyEvent = AnyEvent> {
  event: E;
  /** Position in the RUN_EVENTS stream; what the next append on the subject expects. */
  streamSeq: number;
}

/** The subject moved on since the caller read it: reload and decide again. */
export class ConcurrencyConflict extends Error {
  constructor(
    readonly subject: string,
    readonly appended: number,
  ) {
    super(`concurrent append on ${subject}`);
    this.name = 'ConcurrencyConflict';
  }
}

const EXPECTED_LAST_SUBJECT_SEQUENCE = 'Nats-Expected-Last-Subject-Sequence';

const CONFLICT_CODES = new Set<number>([
  JetStreamApiCodes.StreamWrongLastSequence,
  JetStreamApiCodes.StreamWrongLastSequenceUnknown,
]);
/** "Temporarily unavailable" (clustered streams): safe to treat like a conflict and retry. */
const TEMPORARILY_UNAVAILABLE = 10163;

/** By name and code, not `instanceof`: KV and JetStream errors may come from different copies of the client. */
export const isConcurrencyError = (error: unknown): boolean => {
  if (!(error instanceof JetStreamApiError) && (error as { name?: unknown } | null)?.name !== 'JetStreamApiError') return false;
  const code = (error as JetStreamApiError).code;
  return CONFLICT_CODES.has(code) || code === TEMPORARILY_UNAVAILABLE;
};

/**
 * Reads and appends one aggregate's events on its own subject of the event stream. Appends carry
 * `Nats-Expected-Last-Subject-Sequence`, so of two writers that read the same version only one wins.
 */
/** Reads of up to this many events use direct gets; longer ones an ordered consumer. */
const DIRECT_READ_MAX = 4;

export class EventStore {
  private readonly publisher: AckedPublisher;
  private readonly capacity: LogCapacity | null;

  constructor(
    nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string = STREAMS.events,
  ) {
    this.publisher = new AckedPublisher(nc);
    // Readers (a worker's store) have no manager and never append.
    this.capacity = jsm ? new LogCapacity(jsm, stream) : null;
  }

  close(): void {
    this.publisher.close();
  }

  /** The subject's last event, or null. */
  async last<E extends AnyEvent>(subject: string): Promise<E | null> {
    const msg = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
    return msg ? (decodeEvents<E>(msg.data).at(-1) ?? null) : null;
  }

  /** Stream sequence of the subject's last event, 0 when it has none. */
  async lastStreamSeq(subject: string): Promise<number> {
    const last = await this.jsm.direct.getMessage(this.stream, { last_by_subj: subject });
    return last?.seq ?? 0;
  }

  /**
   * Events of `subject` stored after stream sequence `after`, in order, at most `limit` of them
   * (page on with the last one's `streamSeq`). Cost follows the events read.
   */
  async read<E extends AnyEvent>(subject: string, after: number, limit = Number.POSITIVE_INFINITY): Promise<StoredEvent<E>[]> {
    const last = await this.lastStreamSeq(subject);
    if (last <= after) return [];
    const out: StoredEvent<E>[] = [];
    // A few events (a fresh run, a catch-up after a conflict) cost less as direct gets than as
    // an ordered consumer (create, flow, delete): about 0.5 ms each against 3-4 ms.
    let next = after + 1;
    while (out.length < Math.min(DIRECT_READ_MAX, limit)) {
      const msg = await this.jsm.direct.getMessage(this.stream, { seq: next, next_by_subj: subject });
      if (!msg) return out;
      for (const event of decodeEvents<E>(msg.data)) out.push({ event, streamSeq: msg.seq });
      if (msg.seq >= last) return out;
      next = msg.seq + 1;
    }
    if (out.length >= limit) return out;
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: next,
    });
    const messages = await consumer.consume({ max_messages: Math.min(256, limit) });
    try {
      for await (const msg of messages) {
        for (const event of decodeEvents<E>(msg.data)) out.push({ event, streamSeq: msg.seq });
        if (msg.seq >= last || msg.info.pending === 0 || out.length >= limit) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
    return out;
  }

  /**
   * Appends a command's events as units: consecutive events in one message (one round trip, one
   * expectation, so a unit lands whole or not at all), a single event as itself. Returns each
   * event's stream sequence (its unit's). No `Nats-Msg-Id`: a retry after an unknown outcome fails
   * its expectation if the first try landed, and the caller then finds its command id in the log.
   */
  async append(subject: string, expected: number, events: AnyEvent[]): Promise<number[]> {
    const units = unitsOf(subject, events);
    // The whole batch fits, or none of it is appended.
    await this.capacity?.admit(units.reduce((sum, u) => sum + u.size, 0), units.length);
    const seqs: number[] = [];
    let last = expected;
    for (const unit of units) {
      const first = unit.events[0] as AnyEvent;
      const h = headers();
      h.set(EXPECTED_LAST_SUBJECT_SEQUENCE, String(last));
      h.set(HEADERS.sequence, String(first.metadata.sequence));
      if (unit.events.length > 1) h.set(HEADERS.lastSequence, String((unit.events.at(-1) as AnyEvent).metadata.sequence));
      h.set(HEADERS.eventType, unit.type);
      try {
        const ack = await this.publisher.publish(subject, unit.payload, h);
        this.capacity?.appended(unit.size);
        last = ack.seq;
        for (const _ of unit.events) seqs.push(ack.seq);
      } catch (error) {
        if (isConcurrencyError(error)) throw new ConcurrencyConflict(subject, seqs.length);
        if (isStorageFull(error)) {
          this.capacity?.refusedAsFull();
          throw new StorageFull(this.stream, seqs.length);
        }
        throw error;
      }
    }
    return seqs;
  }
}

/** Under the stream's 1 MiB message limit with room for headers; a longer batch is several units. */
const MAX_UNIT_BYTES = 256 * 1024; // characters: at most 768 KiB of UTF-8

interface Unit {
  events: AnyEvent[];
  type: string;
  payload: Uint8Array;
  size: number;
}

const encoder = new TextEncoder();

function unitsOf(subject: string, events: AnyEvent[]): Unit[] {
  const units: Unit[] = [];
  let group: AnyEvent[] = [];
  let texts: string[] = [];
  let bytes = 0;
  const close = () => {
    if (group.length === 0) return;
    // Each event is serialised once; the unit is their texts joined (what JSON.stringify of eventUnit(group) gives).
    const text = group.length === 1 ? (texts[0] as string) : `{"type":"${EVENT_UNIT_V1}","events":[${texts.join(',')}]}`;
    const payload = encoder.encode(text);
    units.push({ events: group, type: group.length === 1 ? (group[0] as AnyEvent).type : EVENT_UNIT_V1, payload, size: LogCapacity.recordSize(subject, payload.length) });
    group = [];
    texts = [];
    bytes = 0;
  };
  for (const event of events) {
    const text = JSON.stringify(event);
    if (group.length > 0 && bytes + text.length > MAX_UNIT_BYTES) close();
    group.push(event);
    texts.push(text);
    bytes += text.length + 1;
  }
  close();
  return units;
}
