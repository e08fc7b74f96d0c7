import { AggregateStream } from './aggregate-stream';
import type { AnyEvent, EventStore } from './event-store';

export interface AggregateSpec<S, E extends AnyEvent> {
  subjectOf(id: string): string;
  initialState(): S;
  evolve(state: S, event: E): S;
  /** Sequence of an aggregate's first event (a run's creation record is 0; its events count from 1). */
  firstSequence: number;
}

/**
 * Keeps recently used aggregates folded in memory (LRU). A cached aggregate may be stale when
 * another replica appended: the append's expected sequence catches that and the caller catches up.
 */
export class AggregateRepository<S, E extends AnyEvent> {
  private readonly cache = new Map<string, AggregateStream<S, E>>();
  private readonly loading = new Map<string, Promise<AggregateStream<S, E>>>();

  constructor(
    private readonly store: EventStore,
    private readonly spec: AggregateSpec<S, E>,
    private readonly maxCached = 10_000,
  ) {}

  async get(id: string): Promise<AggregateStream<S, E>> {
    const cached = this.cache.get(id);
    if (cached) {
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    const inFlight = this.loading.get(id);
    if (inFlight) return inFlight;
    const load = (async () => {
      const stream = new AggregateStream<S, E>(
        id,
        this.spec.subjectOf(id),
        this.spec.initialState(),
        this.spec.evolve,
        this.spec.firstSequence,
      );
      await this.catchUp(stream);
      this.put(stream);
      return stream;
    })().finally(() => this.loading.delete(id));
    this.loading.set(id, load);
    return load;
  }

  /** Like `get`, but first checks the log for events another replica appended. */
  async fresh(id: string): Promise<AggregateStream<S, E>> {
    const stream = await this.get(id);
    if ((await this.store.lastStreamSeq(stream.subject)) > stream.version) await this.catchUp(stream);
    return stream;
  }

  async catchUp(stream: AggregateStream<S, E>): Promise<void> {
    while (stream.catchingUp) await stream.catchingUp;
    stream.catchingUp = (async () => {
      for (const stored of await this.store.read<E>(stream.subject, stream.version)) stream.apply(stored);
    })().finally(() => {
      stream.catchingUp = null;
    });
    await stream.catchingUp;
  }

  /** Forget an aggregate whose stored state is unknown (an append failed midway). */
  evict(id: string): void {
    this.cache.delete(id);
  }

  private put(stream: AggregateStream<S, E>): void {
    this.cache.set(stream.id, stream);
    if (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
