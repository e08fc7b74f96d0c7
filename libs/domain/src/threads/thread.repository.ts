import { SUBJECTS, type ThreadEvent } from '#contracts';
import { AggregateRepository, type EventStore } from '#messaging';
import { evolveThread, type ThreadState } from './thread';

export class ThreadRepository extends AggregateRepository<ThreadState, ThreadEvent> {
  constructor(store: EventStore, maxCached: number) {
    super(
      store,
      { subjectOf: (id) => SUBJECTS.threadEvents(Number(id)), initialState: () => null, evolve: evolveThread, firstSequence: 1 },
      maxCached,
    );
  }
}
