import type { Visibility } from './access';
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
/** An agent and the version that executes a run; `version` null: any worker of the agent. */
export interface AgentRef {
  name: string;
  version: string | null;
}

/** What a run is asked: a message (Travelmode's trigger), structured data (Vertesia's `data`), or both. */
export interface RunInput {
  message: string | null;
  data: Record<string, unknown> | null;
}

/** How the agent should execute the run: handed to the worker as given. */
export interface RunOptions {
  model: string | null;
  environment: string | null;
  /** The tools to use (null: the agent's defaults). */
  tools: string[] | null;
  /** The model route (seed 003's `route_id`). */
  route: string | null;
  /** Whether the agent may wait for input. */
  interactive: boolean;
  /** Anything else a dialect passes through to the agent untouched. */
  settings: Record<string, unknown>;
}

export interface RunLabels {
  tags: string[];
  categories: string[];
  properties: Record<string, unknown>;
}

/**
 * Where a run's conversation begins, by reference: a thread's first `messages` messages, or
 * another run's conversation up to its event `sequence` (a fork). The run's own inputs and
 * answers follow.
 */
export type ConversationBase = { kind: 'thread'; threadId: number; messages: number } | { kind: 'run'; runId: string; sequence: number };

/** What a run was created with; fixed for its life. */
export interface RunSpec {
  input: RunInput;
  options: RunOptions;
  labels: RunLabels;
  /** The creator's `name` and `email` claims. */
  createdBy: { name: string | null; email: string | null };
  /** The phases the agent declared; empty: any phase name. */
  phases: string[];
  conversation: ConversationBase | null;
  forkedFrom: { runId: string; sequence: number } | null;
}

/** v2 of a run's creation record: access, agent version, trace and spec (v1 runs fold with defaults). */
export type RunCreatedV2 = Event<
  'RunCreatedV2',
  {
    runId: string;
    threadId: number | null;
    userId: string;
    org: string | null;
    project: string;
    visibility: Visibility;
    agent: AgentRef;
    snapshotRevision: number;
    /** The W3C trace id of the request that created the run. */
    traceId: string | null;
    spec: RunSpec;
  }
>;

/** v2 of an attempt's start: the agent and version its work item goes to (the worker reads the run). */
export interface AttemptStart {
  attempt: number;
  snapshotRevision: number;
  agent: AgentRef;
}
export type RunStartedV2 = Event<'RunStartedV2', AttemptStart>;
export type RunRetriedV2 = Event<'RunRetriedV2', AttemptStart>;
/** A completed, failed or cancelled run continues its conversation in a new attempt (Vertesia's restart). */
export type RunRestarted = Event<'RunRestarted', AttemptStart>;
export type RunRedispatchedV2 = Event<
  'RunRedispatchedV2',
  AttemptStart & { previousAttempt: number; previousWorkerId: string | null; reason: LeaseLossReason }
>;
/** The agent's answer of an attempt: what a conversation records as the assistant's message. */
export type RunAnswered = Event<'RunAnswered', { attempt: number; messageId: string; content: string }>;
/** What the agent calls the conversation (Vertesia's name, title and topic). */
export type RunDescribed = Event<'RunDescribed', { attempt: number; name: string | null; title: string | null; topic: string | null }>;

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
  | RunCreatedV2
  | RunStartedV2
  | RunRetriedV2
  | RunRestarted
  | RunRedispatchedV2
  | RunAnswered
  | RunDescribed
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
/** v2: with the thread's project and visibility (v1 threads are private, in the default project). */
export type ThreadCreatedV2 = Event<
  'ThreadCreatedV2',
  {
    threadId: number;
    ownerId: string;
    org: string | null;
    project: string;
    visibility: Visibility;
    title: string | null;
    metadata: Record<string, unknown>;
  }
>;
export type ThreadMessageRole = 'user' | 'assistant';
/** A message of the thread's conversation; `position` counts from 1. An assistant's names its run. */
export type ThreadMessageAppended = Event<
  'ThreadMessageAppended',
  { messageId: string; position: number; role: ThreadMessageRole; content: string; runId: string | null }
>;
export type ThreadUpdated = Event<
  'ThreadUpdated',
  { revision: number; title?: string | null; metadata?: Record<string, unknown> }
>;

export type ThreadEvent = ThreadCreated | ThreadCreatedV2 | ThreadUpdated | ThreadMessageAppended;
export type ThreadEventType = ThreadEvent['type'];

/** What `decide` returns: an event before the store stamps its metadata. */
export type EventDraft<E extends { type: string; data: unknown }> = E extends unknown ? Pick<E, 'type' | 'data'> : never;

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'RunCreated',
  'RunCreatedV2',
  'RunStartedV2',
  'RunRetriedV2',
  'RunRestarted',
  'RunRedispatchedV2',
  'RunAnswered',
  'RunDescribed',
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
export const ATTEMPT_START_EVENT_TYPES: readonly RunEventType[] = [
  'RunStarted',
  'RunRetried',
  'RunRedispatched',
  'RunStartedV2',
  'RunRetriedV2',
  'RunRedispatchedV2',
  'RunRestarted',
];
export type AttemptStartEvent = RunStarted | RunRetried | RunRedispatched | RunStartedV2 | RunRetriedV2 | RunRedispatchedV2 | RunRestarted;
export const isAttemptStart = (event: RunEvent): event is AttemptStartEvent => ATTEMPT_START_EVENT_TYPES.includes(event.type);
/** The agent an attempt-starting event sends its work to (v1 events name the agent only). */
export const attemptAgentOf = (event: AttemptStartEvent): AgentRef =>
  typeof event.data.agent === 'string' ? { name: event.data.agent, version: null } : event.data.agent;
/** Events after which the worker of the attempt must stop (it is aborted). */
export const RUN_ENDING_EVENT_TYPES: readonly RunEventType[] = [
  'RunCompleted',
  'RunFailed',
  'RunCancelled',
  'RunRedispatched',
  'RunRetried',
  'RunRedispatchedV2',
  'RunRetriedV2',
  'RunRestarted',
];
export const THREAD_EVENT_TYPES: readonly ThreadEventType[] = ['ThreadCreated', 'ThreadCreatedV2', 'ThreadUpdated', 'ThreadMessageAppended'];

export type ApiKeyCreated = Event<
  'ApiKeyCreated',
  {
    keyId: string;
    name: string;
    ownerId: string;
    org: string | null;
    project: string;
    scopes: string[];
    secretHash: string;
    prefix: string;
    createdBy: { name: string | null; email: string | null };
  }
>;
export type ApiKeyRevoked = Event<'ApiKeyRevoked', Record<string, never>>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;
export type ApiKeyEventType = ApiKeyEvent['type'];
export const API_KEY_EVENT_TYPES: readonly ApiKeyEventType[] = ['ApiKeyCreated', 'ApiKeyRevoked'];
