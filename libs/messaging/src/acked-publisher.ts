import { JetStreamApiError, type ApiError } from '@nats-io/jetstream';
import { createInbox, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

interface Pending {
  resolve(ack: { seq: number; duplicate: boolean }): void;
  reject(error: Error): void;
  deadline: number;
}

const decoder = new TextDecoder();

/**
 * JetStream publishes whose acknowledgements arrive on one shared inbox subscription. The protocol
 * is the one js.publish speaks (a publish with a reply subject, answered by a PubAck or an API
 * error), but js.publish builds a request object, a timer and, on completion, an Error with a stack
 * trace for every message: on the append hot path that costs more CPU than the append itself.
 */
export class AckedPublisher {
  private readonly prefix = createInbox();
  private readonly pending = new Map<number, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {
    this.subscription = nc.subscribe(`${this.prefix}.*`, {
      callback: (error, msg) => {
        if (error) return;
        const id = Number(msg.subject.slice(this.prefix.length + 1));
        const waiter = this.pending.get(id);
        if (!waiter) return;
        this.pending.delete(id);
        if (msg.data.length === 0) {
          // A bare status: 503 means no stream listens on the subject.
          waiter.reject(new Error(`no JetStream stream answered (status ${msg.headers?.code ?? 'unknown'})`));
          return;
        }
        const ack = JSON.parse(decoder.decode(msg.data)) as { seq: number; duplicate?: boolean; error?: ApiError };
        if (ack.error) waiter.reject(new JetStreamApiError(ack.error));
        else waiter.resolve({ seq: ack.seq, duplicate: ack.duplicate ?? false });
      },
    });
    this.sweeper = setInterval(() => this.expire(), Math.min(1_000, timeoutMs)).unref();
  }

  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<{ seq: number; duplicate: boolean }> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${id}`, headers });
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const waiter of this.pending.values()) waiter.reject(new Error('publisher closed'));
    this.pending.clear();
  }

  /** No acknowledgement in time: the outcome is unknown (the caller reloads and finds out). */
  private expire(): void {
    const now = Date.now();
    for (const [id, waiter] of this.pending) {
      if (waiter.deadline > now) continue;
      this.pending.delete(id);
      waiter.reject(new Error('publish not acknowledged in time'));
    }
  }
}
