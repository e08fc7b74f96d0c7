import {
  DomainError,
  ErrorCode,
  RUN_FIRST_SEQUENCE,
  SCOPES,
  canSee,
  viewerOf,
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
  /** A fork's source run, as of now. */
  source: RunSnapshot | null;
  defaultAgent: string;
  /** Lease losses an attempt chain survives; one more fails the run. */
  maxRedispatches: number;
}

export const invalid = (action: string, status: RunStatus) =>
  new DomainError(ErrorCode.InvalidTransition, `cannot ${action} a run that is ${status}`);

const notFound = () => new DomainError(ErrorCode.RunNotFound, 'run not found');

/** A run the actor may not see is indistinguishable from a missing one (agents and Runstream see all). */
export function existingRunVisibleTo(state: RunState, actor: Actor): RunSnapshot {
  if (state === null) throw notFound();
  if (actor.kind === 'user' && !canSee({ ownerId: state.userId, ...state }, viewerOf(actor))) throw notFound();
  return state;
}

/** Creating and controlling runs needs `workflow:run`; asked after visibility, so a 404 still wins. */
export function requireRunScope(actor: Actor): void {
  if (actor.kind === 'user' && !(actor.scopes ?? []).includes(SCOPES.runWorkflows))
    throw new DomainError(ErrorCode.Forbidden, `this needs the ${SCOPES.runWorkflows} scope`);
}

/** A run the actor may see and control. */
export function controllableRun(state: RunState, actor: Actor): RunSnapshot {
  const run = existingRunVisibleTo(state, actor);
  requireRunScope(actor);
  return run;
}

/** The agent (and version) a run's next attempt goes to. */
export const agentOf = (run: RunSnapshot) => ({ name: run.agent, version: run.agentVersion });

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

