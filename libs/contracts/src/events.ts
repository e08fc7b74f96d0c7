import type { EventMetadata, Message } from './metadata';
import type { RunPhase } from './run-status';

/**
 * Event vocabulary (past tense). A published event is never edited: a changed shape gets a new
 * versioned type name (e.g. `RunCreatedV2`) and consumers handle both.
 */
export type Event<Type extends string, Data> = Message<Type, Data, EventMetadata>;

/**
 * A run's subject starts with its creation record, `RunCreated`, at sequence 0; the events a client
 * sees and resumes over are 1..N (a new run has `lastEventSequence` 0, as the Travelmode seed shows).
 */
export const RUN_FIRST_SEQUENCE = 0;

export type RunCreated = Event<
  'RunCreated',
  {
    runId: string;
    threadId: number;
    userId: string;
    org: string | null;
    agent: string;
    triggerMessage: string;
    snapshotRevision: number;
  }
>;
/** Starting (and retrying) carries what the agent executing the attempt needs: its work item. */
export interface AttemptInput {
  attempt: number;
  snapshotRevision: number;
  agent: string;
  triggerMessage: string;
}
export type RunStarted = Event<'RunStarted', AttemptInput>;
export type RunPhaseStarted = Event<'RunPhaseStarted', { phase: RunPhase; attempt: number }>;
export type RunCompleted = Event<'RunCompleted', { attempt: number; result: unknown }>;
export type RunFailed = Event<'RunFailed', { attempt: number; errorMessage: string }>;
export type RunCancelled = Event<'RunCancelled', { reason: string | null; via: 'stop' | 'cancel' }>;
export type RunRetried = Event<'RunRetried', AttemptInput>;

export type RunEvent = RunCreated | RunStarted | RunPhaseStarted | RunCompleted | RunFailed | RunCancelled | RunRetried;
export type RunEventType = RunEvent['type'];

export type ThreadCreated = Event<
  'ThreadCreated',
  { threadId: number; ownerId: string; org: string | null; title: string | null; metadata: Record<string, unknown> }
>;
export type ThreadUpdated = Event<
  'ThreadUpdated',
  { revision: number; title?: string | null; metadata?: Record<string, unknown> }
>;

export type ThreadEvent = ThreadCreated | ThreadUpdated;
export type ThreadEventType = ThreadEvent['type'];

/** What `decide` returns: an event before the store stamps its metadata. */
export type EventDraft<E extends { type: string; data: unknown }> = E extends unknown ? Pick<E, 'type' | 'data'> : never;

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'RunCreated',
  'RunStarted',
  'RunPhaseStarted',
  'RunCompleted',
  'RunFailed',
  'RunCancelled',
  'RunRetried',
];
export const THREAD_EVENT_TYPES: readonly ThreadEventType[] = ['ThreadCreated', 'ThreadUpdated'];
