import { RUN_FIRST_SEQUENCE, SUBJECTS, type RunEvent } from '#contracts';
import { AggregateRepository, type EventStore } from '#messaging';
import { evolveRun, initialRunState, type RunState } from './run';

export class RunRepository extends AggregateRepository<RunState, RunEvent> {
  constructor(store: EventStore, maxCached: number) {
    super(store, { subjectOf: (id) => SUBJECTS.runEvents(id), initialState: initialRunState, evolve: evolveRun, firstSequence: RUN_FIRST_SEQUENCE }, maxCached);
  }
}
