import { SUBJECTS, type ApiKeyEvent } from '#contracts';
import { AggregateRepository, type EventStore } from '#messaging';
import { evolveApiKey, type ApiKeyState } from './api-key';

export class ApiKeyRepository extends AggregateRepository<ApiKeyState, ApiKeyEvent> {
  constructor(store: EventStore, maxCached: number) {
    super(store, { subjectOf: (id) => SUBJECTS.apiKeyEvents(id), initialState: () => null, evolve: evolveApiKey, firstSequence: 1 }, maxCached);
  }
}
