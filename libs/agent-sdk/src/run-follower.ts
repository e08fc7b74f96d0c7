import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RUN_ENDING_EVENT_TYPES, STREAMS, SUBJECTS, isAttemptStart, type RunEvent } from '#contracts';
import { LiveConsumer, decodeEvents } from '#messaging';

export interface FollowerListener {
  /** The attempt is over (terminal event, or a new attempt began). */
  ended(reason: string): void;
  input(content: string): void;
  signal(name: string, payload: unknown): void;
}

/**
 * Follows a run's subject from the event that started the attempt, with a JetStream ordered
 * consumer: stop, cancel, input and signals reach the worker in log order, and nothing appended
 * between the dispatch and this subscription is missed.
 */
export class RunFollower {
  private consumer: LiveConsumer | null = null;
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly runId: string,
    private readonly attempt: number,
  ) {}

  private reachedStart = false;

  async start(fromStreamSeq: number, listener: FollowerListener): Promise<void> {
    const consumer = await LiveConsumer.start({
      nc: this.nc,
      ordered: true,
      // Resumed right after the last event taken when the connection comes back (see LiveConsumer).
      open: async (lastSeq) =>
        (
          await this.js.consumers.get(STREAMS.events, {
            filter_subjects: SUBJECTS.runEvents(this.runId),
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: lastSeq === 0 ? fromStreamSeq : lastSeq + 1,
          })
        ).consume({ max_messages: 64 }),
      onMessage: (msg) => {
        for (const event of decodeEvents<RunEvent>(msg.data)) {
          // The first message may be a unit whose earlier events precede this attempt: they are not for it.
          if (!this.reachedStart) {
            if (!(isAttemptStart(event) && event.data.attempt === this.attempt)) continue;
            this.reachedStart = true;
          }
          this.deliver(event, listener);
        }
      },
    });
    if (this.stopped) void consumer.close();
    else this.consumer = consumer;
  }

  stop(): void {
    this.stopped = true;
    void this.consumer?.close();
    this.consumer = null;
  }

  private deliver(event: RunEvent, listener: FollowerListener): void {
    if (RUN_ENDING_EVENT_TYPES.includes(event.type)) {
      // The attempt-starting event this follower begins at is not an ending for it.
      const startsThisAttempt = isAttemptStart(event) && event.data.attempt === this.attempt;
      if (!startsThisAttempt) listener.ended(event.type);
    } else if (event.type === 'RunInputProvided' && event.data.attempt === this.attempt) {
      listener.input(event.data.content);
    } else if (event.type === 'RunSignalled' && event.data.attempt === this.attempt) {
      listener.signal(event.data.name, event.data.payload);
    }
  }
}
