/** The part of a JetStream message the acker needs. */
export interface Ackable {
  seq: number;
  ack(): void;
}

/**
 * Acknowledgement for a consumer with `AckPolicy.All`, where acking sequence N acks everything
 * below it: one ack covers a run of handled messages instead of one ack each. The acked sequence
 * never passes a message still being handled (redeliveries can arrive out of sequence order), so a
 * crash redelivers exactly what was not finished.
 */
export class CumulativeAcks<M extends Ackable = Ackable> {
  private readonly inFlight = new Set<number>();
  /** Handled messages above some in-flight one: ackable once those below them finish. */
  private readonly waiting: M[] = [];
  private ackable: M | null = null;
  private acked = 0;
  private sinceAck = 0;
  private heldUntil = 0;

  constructor(
    private readonly batch = 256,
    private readonly now: () => number = Date.now,
  ) {}

  /** A message being handled asynchronously. */
  begin(msg: M): void {
    this.inFlight.add(msg.seq);
    // A redelivery below the pending ack: that ack would cover it, so it waits for it.
    if (this.ackable && this.ackable.seq > msg.seq) {
      this.waiting.push(this.ackable);
      this.ackable = null;
    }
  }

  /** A message that needs no work, or whose work finished. */
  done(msg: M): void {
    this.inFlight.delete(msg.seq);
    this.waiting.push(msg);
    const floor = this.inFlight.size === 0 ? Number.POSITIVE_INFINITY : Math.min(...this.inFlight);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const candidate = this.waiting[i] as M;
      if (candidate.seq >= floor) continue;
      this.waiting.splice(i, 1);
      if (candidate.seq > (this.ackable?.seq ?? this.acked)) this.ackable = candidate;
      this.sinceAck++;
    }
    if (this.sinceAck >= this.batch) this.flush();
  }

  /**
   * No ack before `untilMs`. After a reconnect: messages the server sent to the lost connection
   * are pending without ever arriving, and an ack above them would settle them unhandled; held
   * past the ack wait, they are redelivered first and the ack waits for them.
   */
  hold(untilMs: number): void {
    this.heldUntil = Math.max(this.heldUntil, untilMs);
  }

  /** Acks the highest message below every in-flight one (call on a timer, and before stopping). */
  flush(): void {
    if (!this.ackable || this.now() < this.heldUntil) return;
    this.ackable.ack();
    this.acked = this.ackable.seq;
    this.ackable = null;
    this.sinceAck = 0;
  }

  get pending(): number {
    return this.inFlight.size + this.waiting.length;
  }
}
