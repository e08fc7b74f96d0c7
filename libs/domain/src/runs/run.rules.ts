import {
  DomainError,
  ErrorCode,
  RUN_FIRST_SEQUENCE,
  type Actor,
  type EventDraft,
  type RunEvent,
  type RunSnapshot,
  type RunStatus,
  type ThreadSnapshot,
} from '#contracts';
import { evolveRun, type RunState } from './run';

export type RunEventDraft = EventDraft<RunEvent>;

/** What a decision may look at besides the run itself; the handler loads it, decide stays pure. */
export interface RunDecisionContext {
  now: Date;
  /** The run's thread at its latest revision (create and start need it). */
  thread: ThreadSnapshot | null;
  defaultAgent: string;
  /** Lease losses an attempt chain survives; one more fails the run. */
  maxRedispatches: number;
}

export const invalid = (action: string, status: RunStatus) =>
  new DomainError(ErrorCode.InvalidTransition, `cannot ${action} a run that is ${status}`);

const notFound = () => new DomainError(ErrorCode.RunNotFound, 'run not found');

/** Another user's run is indistinguishable from a missing one. */
export function existingRunVisibleTo(state: RunState, actor: Actor): RunSnapshot {
  if (state === null) throw notFound();
  if (actor.kind === 'user' && state.userId !== actor.id) throw notFound();
  return state;
}

/** Applies a draft as if stored, so later parts of one decision see earlier ones. */
export function foldDraft(state: RunState, draft: RunEventDraft, now: Date): RunState {
  const sequence = (state?.lastEventSequence ?? RUN_FIRST_SEQUENCE - 1) + 1;
  const event = {
    ...draft,
    metadata: {
      eventId: '',
      streamId: state?.id ?? '',
      sequence,
      createdAt: now.toISOString(),
      commandId: '',
      correlationId: '',
      causationId: '',
      actor: { kind: 'system', id: 'decide' },
      batch: { index: 0, count: 1 },
    },
  } as RunEvent;
  return evolveRun(state, event);
}

