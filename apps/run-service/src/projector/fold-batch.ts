import type { AnyEvent } from '#messaging';

export interface ProjectionItem<E extends AnyEvent = AnyEvent> {
  event: E;
  streamSeq: number;
}

export type ItemResult = 'projected' | 'duplicate' | 'gap';

/** What a projected batch did: each delivered item's result, and the aggregates that advanced. */
export interface ProjectionOutcome {
  results: Map<ProjectionItem, ItemResult>;
  /** Aggregates that advanced, with the sequence they are now projected to. */
  advanced: { kind: 'run' | 'thread' | 'apiKey'; id: string; sequence: number }[];
}

export interface FoldedEvent<S, E extends AnyEvent> {
  item: ProjectionItem<E>;
  stateAfter: S;
}

/**
 * Folds one aggregate's delivered events onto its projected state, idempotent on sequence: an
 * event at or below the projected sequence is a duplicate; one past the next is a gap (an earlier
 * event is still on its way) and is left for redelivery with everything after it.
 */
export function foldBatch<S, E extends AnyEvent>(
  state: S,
  projectedSequence: number,
  items: ProjectionItem<E>[],
  evolve: (state: S, event: E) => S,
): { state: S; applied: FoldedEvent<S, E>[]; results: Map<ProjectionItem<E>, ItemResult> } {
  const results = new Map<ProjectionItem<E>, ItemResult>();
  const applied: FoldedEvent<S, E>[] = [];
  let sequence = projectedSequence;
  let gap = false;
  for (const item of [...items].sort((a, b) => a.event.metadata.sequence - b.event.metadata.sequence)) {
    const s = item.event.metadata.sequence;
    if (s <= sequence) {
      results.set(item, 'duplicate');
    } else if (!gap && s === sequence + 1) {
      state = evolve(state, item.event);
      sequence = s;
      applied.push({ item, stateAfter: state });
      results.set(item, 'projected');
    } else {
      gap = true;
      results.set(item, 'gap');
    }
  }
  return { state, applied, results };
}
