import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { RUN_ENDING_EVENT_TYPES, STREAMS, SUBJECTS, isAttemptStart, type RunEvent } from '#contracts';
import { decodeJson } from '#messaging';

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
  private messages: ConsumerMessages | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly runId: string,
    private readonly attempt: number,
  ) {}

  async start(fromStreamSeq: number, listener: FollowerListener): Promise<void> {
    const consumer = await this.js.consumers.get(STREAMS.events, {
      filter_subjects: SUBJECTS.runEvents(this.runId),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: fromStreamSeq,
    });
    const messages = await consumer.consume({ max_messages: 64 });
    this.messages = messages;
    void (async () => {
      for await (const msg of messages) {
        const event = decodeJson<RunEvent>(msg.data);
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
    })().catch(() => undefined);
  }

  stop(): void {
    void this.messages?.close().catch(() => undefined);
    this.messages = null;
  }
}
