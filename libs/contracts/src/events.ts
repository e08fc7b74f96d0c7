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

/** A worker took the attempt's work item: from now on only its reports count, and it holds the lease. */
export type RunClaimed = Event<'RunClaimed', { attempt: number; workerId: string }>;
/** The attempt's worker lost its lease (died, stalled, never claimed): a new attempt goes to another worker. */
export type RunRedispatched = Event<
  'RunRedispatched',
  AttemptInput & { previousAttempt: number; previousWorkerId: string | null; reason: LeaseLossReason }
>;
export type LeaseLossReason = 'lease_expired' | 'not_claimed';

export type RunMessageDelta = Event<'RunMessageDelta', { attempt: number; messageId: string; text: string }>;
export type RunToolCalled = Event<'RunToolCalled', { attempt: number; callId: string; name: string; input: unknown }>;
export type RunToolCallCompleted = Event<
  'RunToolCallCompleted',
  { attempt: number; callId: string; output: unknown; isError: boolean }
>;
/** One increment of usage; the run's totals are the sum of these. */
export type RunUsageRecorded = Event<'RunUsageRecorded', { attempt: number } & UsageIncrement>;
export interface UsageIncrement {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the model's prompt cache (the hit rate is cached / input). */
  cachedInputTokens: number;
  costUsd: number;
  credits: number;
  model: string | null;
}

export type RunInputRequested = Event<
  'RunInputRequested',
  { attempt: number; prompt: string; expiresAt: string | null }
>;
/** The deadline of an input request is near (sent once, before `RunFailed` for an expired request). */
export type RunInputExpiring = Event<'RunInputExpiring', { attempt: number; expiresAt: string }>;
export type RunInputProvided = Event<'RunInputProvided', { attempt: number; content: string }>;
export type RunSignalled = Event<'RunSignalled', { attempt: number; name: string; payload: unknown }>;

export type RunArtifactCreated = Event<'RunArtifactCreated', ArtifactDescriptor>;
export type RunArtifactPinChanged = Event<'RunArtifactPinChanged', { artifactId: number; isPinned: boolean }>;

/**
 * An artifact a run produced. Typed artifacts (Travelmode) carry JSON content; file artifacts
 * (Vertesia) are path-addressed bytes. Either way the bytes sit in the Object Store under
 * `objectName` before this is appended, so whoever sees the event can read them.
 */
export interface ArtifactDescriptor {
  id: number;
  kind: 'typed' | 'file';
  /** Typed: e.g. `candidates`; file: `file`. */
  artifactType: string;
  title: string | null;
  /** File artifacts only: the normalized path; a new upload to the same path replaces the old one. */
  path: string | null;
  objectName: string;
  contentType: string;
  size: number;
  sha256: string;
  isPinned: boolean;
}

export type RunEvent =
  | RunCreated
  | RunStarted
  | RunPhaseStarted
  | RunCompleted
  | RunFailed
  | RunCancelled
  | RunRetried
  | RunClaimed
  | RunRedispatched
  | RunMessageDelta
  | RunToolCalled
  | RunToolCallCompleted
  | RunUsageRecorded
  | RunInputRequested
  | RunInputExpiring
  | RunInputProvided
  | RunSignalled
  | RunArtifactCreated
  | RunArtifactPinChanged;
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
  'RunClaimed',
  'RunRedispatched',
  'RunMessageDelta',
  'RunToolCalled',
  'RunToolCallCompleted',
  'RunUsageRecorded',
  'RunInputRequested',
  'RunInputExpiring',
  'RunInputProvided',
  'RunSignalled',
  'RunArtifactCreated',
  'RunArtifactPinChanged',
];
/** Events that begin an attempt: each puts a work item on the agent's queue. */
export const ATTEMPT_START_EVENT_TYPES: readonly RunEventType[] = ['RunStarted', 'RunRetried', 'RunRedispatched'];
export const isAttemptStart = (event: RunEvent): event is RunStarted | RunRetried | RunRedispatched =>
  ATTEMPT_START_EVENT_TYPES.includes(event.type);
/** Events after which the worker of the attempt must stop (it is aborted). */
export const RUN_ENDING_EVENT_TYPES: readonly RunEventType[] = ['RunCompleted', 'RunFailed', 'RunCancelled', 'RunRedispatched', 'RunRetried'];
export const THREAD_EVENT_TYPES: readonly ThreadEventType[] = ['ThreadCreated', 'ThreadUpdated'];
