import { AckPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import { EVENT_UNIT_V1, HEADERS, STREAMS, SUBJECTS, type RunEvent, type RunEventType } from '#contracts';
import { LiveConsumer, decodeEvents, ensureDurable, onFeedInterruption } from '#messaging';
import { CumulativeAcks } from './cumulative-acks';

export interface EventReactorOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  durable: string;
  ackWaitMs: number;
  /** The event types it acts on (by header: the others are acked unread). */
  types: readonly RunEventType[];
  /**
   * Acts on one event; resolves when done (the event may then be acked), or with `false` when it
   * gave up because the service is stopping (left unacked: another replica gets it again). It
   * must not reject: it retries itself, since a nak'ed event would be covered by a later
   * cumulative ack.
   */
  react(event: RunEvent, msg: JsMsg): Promise<boolean | void>;
  /** Ack period (default 20 ms). */
  flushMs?: number;
}

/**
 * A durable consumer of every run event that acts on a few types: it reads them all but acks
 * cumulatively (AckPolicy.All, one ack per batch, never past an event still being acted on), so
 * a crash redelivers exactly what was not finished. The dispatcher and the conversation recorder
 * are two.
 */
export class EventReactor {
  private consumer: LiveConsumer | null = null;
  private unlisten: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly acks = new CumulativeAcks<JsMsg>();
  private flusher: NodeJS.Timeout | null = null;

  constructor(private readonly options: EventReactorOptions) {}

  async start(): Promise<void> {
    const { js, jsm, durable } = this.options;
    await ensureDurable(jsm, STREAMS.events, {
      durable_name: durable,
      filter_subject: SUBJECTS.allRunEvents,
      ack_policy: AckPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs),
      max_ack_pending: 20_000,
      max_deliver: -1,
    });
    this.consumer = await LiveConsumer.start({
      nc: this.options.nc,
      ordered: false,
      open: async () => (await js.consumers.get(STREAMS.events, durable)).consume({ max_messages: 1_000 }),
      onMessage: (msg) => this.receive(msg),
    });
    this.flusher = setInterval(() => this.acks.flush(), this.options.flushMs ?? 20);
    // Deliveries the server sent to a lost connection are pending but never arrived; an ack above
    // them would settle them unhandled. Held past the ack wait, they are redelivered first and the
    // ack waits for them (what was handled meanwhile may be redelivered too: reactions are idempotent).
    this.unlisten = onFeedInterruption(this.options.nc, () => this.acks.hold(Date.now() + this.options.ackWaitMs + 1_000));
  }

  /** Stops taking events, waits for those being acted on, acks what is done. */
  async stop(): Promise<void> {
    this.unlisten?.();
    await this.consumer?.close();
    await Promise.allSettled([...this.inFlight]);
    if (this.flusher) clearInterval(this.flusher);
    this.acks.flush();
  }

  private receive(msg: JsMsg): void {
    const type = msg.headers?.get(HEADERS.eventType) ?? '';
    if (type !== EVENT_UNIT_V1 && !this.options.types.includes(type as RunEventType)) return this.acks.done(msg);
    // A unit's events are reacted to in order; the message is done when all of them are.
    const events = decodeEvents<RunEvent>(msg.data).filter((e) => this.options.types.includes(e.type));
    if (events.length === 0) return this.acks.done(msg);
    this.acks.begin(msg);
    const task = (async () => {
      let done = true;
      for (const event of events) if ((await this.options.react(event, msg)) === false) done = false;
      return done;
    })().then((done) => {
      if (done) this.acks.done(msg);
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }
}
