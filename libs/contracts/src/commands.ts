import type { Visibility } from './access';
import type { ErrorBody } from './errors';
import type { CommandMetadata, Message } from './metadata';
import type { ArtifactDescriptor, LeaseLossReason, RunInput, RunLabels, RunOptions, ThreadMessageRole, UsageIncrement } from './events';
import type { RunPhase } from './run-status';
import type { ApiKeySnapshot, RunSnapshot, ThreadSnapshot } from './snapshots';

/** Command vocabulary (imperative). */
export type Command<Type extends string, Data> = Message<Type, Data, CommandMetadata>;

/**
 * Creates a run. The v1 fields (a thread, a trigger message, an agent name) are all a Travelmode
 * sender sets; the optional v2 fields carry everything else. The sender resolved the agent
 * version and its phases from the agents' registry.
 */
export type CreateRun = Command<
  'CreateRun',
  {
    runId: string;
    threadId?: number | null;
    triggerMessage?: string;
    agent?: string;
    agentVersion?: string | null;
    /** The phases the agent version declared (empty: any). */
    phases?: string[];
    autoStart?: boolean;
    visibility?: Visibility;
    input?: Partial<RunInput>;
    options?: Partial<RunOptions>;
    labels?: Partial<RunLabels>;
    traceId?: string;
    /** A fork: a new run continuing another's conversation up to its event `sequence` (default: all of it). */
    forkOf?: { runId: string; sequence?: number };
  }
>;
export type StartRun = Command<'StartRun', { runId: string }>;
export type StopRun = Command<'StopRun', { runId: string }>;
export type CancelRun = Command<'CancelRun', { runId: string; reason?: string }>;
export type RetryRun = Command<'RetryRun', { runId: string }>;
/** A completed, failed or cancelled run continues its conversation in a new attempt. */
export type RestartRun = Command<'RestartRun', { runId: string }>;

/** One thing a worker tells about the attempt it is executing. */
export type WorkerReport =
  | { kind: 'phase_started'; phase: RunPhase }
  | { kind: 'message_delta'; messageId: string; text: string }
  | { kind: 'tool_call'; callId: string; name: string; input?: unknown }
  | { kind: 'tool_result'; callId: string; output?: unknown; isError?: boolean }
  | ({ kind: 'usage' } & Partial<UsageIncrement>)
  | { kind: 'input_requested'; prompt: string; expiresAt?: string | null }
  | { kind: 'answer'; content: string; messageId?: string }
  | { kind: 'describe'; name?: string | null; title?: string | null; topic?: string | null }
  | { kind: 'completed'; result?: unknown }
  | { kind: 'failed'; errorMessage: string };

/**
 * A worker's reports for one attempt, applied in order and all-or-nothing. `workerId` must be the
 * attempt's claimant (when the run has one): a worker that lost its lease is refused.
 */
export type ReportRunProgress = Command<
  'ReportRunProgress',
  { runId: string; attempt: number; workerId?: string; reports: WorkerReport[] }
>;
/** A worker takes an attempt's work item. */
export type ClaimRun = Command<'ClaimRun', { runId: string; attempt: number; workerId: string }>;
/** The lease monitor saw no live lease for the attempt: redispatch, or fail after the maximum. */
export type ExpireLease = Command<'ExpireLease', { runId: string; attempt: number; reason: LeaseLossReason }>;
/** Seed 003: input is at most 32 KB (UTF-8 bytes); signals share the limit. */
export const MAX_INPUT_BYTES = 32 * 1024;

export type ProvideInput = Command<'ProvideInput', { runId: string; content: string }>;
/** `stage` 'warning' appends RunInputExpiring; 'expired' fails the run. */
export type ExpireInput = Command<'ExpireInput', { runId: string; attempt: number; stage: 'warning' | 'expired' }>;
export type SignalRun = Command<'SignalRun', { runId: string; name: string; payload?: unknown }>;
/** The artifact-service stored an artifact's bytes; this makes it part of the run. */
export type RecordArtifact = Command<'RecordArtifact', { runId: string; attempt?: number; artifact: ArtifactDescriptor }>;
export type PinArtifact = Command<'PinArtifact', { runId: string; artifactId: number; isPinned: boolean }>;

export type RunCommand =
  | CreateRun
  | StartRun
  | StopRun
  | CancelRun
  | RetryRun
  | RestartRun
  | ReportRunProgress
  | ClaimRun
  | ExpireLease
  | ProvideInput
  | ExpireInput
  | SignalRun
  | RecordArtifact
  | PinArtifact;
export type RunCommandType = RunCommand['type'];

export type CreateThread = Command<
  'CreateThread',
  { threadId: number; title?: string | null; metadata?: Record<string, unknown>; visibility?: Visibility }
>;
export type UpdateThread = Command<
  'UpdateThread',
  { threadId: number; title?: string | null; metadata?: Record<string, unknown> }
>;

/** A user's message (role `user`), or a run's answer recorded by Runstream (role `assistant`). */
export type AppendThreadMessage = Command<
  'AppendThreadMessage',
  { threadId: number; messageId: string; role: ThreadMessageRole; content: string; runId?: string }
>;

export type ThreadCommand = CreateThread | UpdateThread | AppendThreadMessage;
export type ThreadCommandType = ThreadCommand['type'];

export const RUN_COMMAND_TYPES: readonly RunCommandType[] = [
  'CreateRun',
  'StartRun',
  'StopRun',
  'CancelRun',
  'RetryRun',
  'RestartRun',
  'ReportRunProgress',
  'ClaimRun',
  'ExpireLease',
  'ProvideInput',
  'ExpireInput',
  'SignalRun',
  'RecordArtifact',
  'PinArtifact',
];
export const THREAD_COMMAND_TYPES: readonly ThreadCommandType[] = ['CreateThread', 'UpdateThread', 'AppendThreadMessage'];

/** Creates an API key; the gateway minted the secret and sends only its hash. */
export type CreateApiKey = Command<'CreateApiKey', { keyId: string; name: string; scopes: string[]; secretHash: string; prefix: string }>;
export type RevokeApiKey = Command<'RevokeApiKey', { keyId: string }>;
export type ApiKeyCommand = CreateApiKey | RevokeApiKey;
export type ApiKeyCommandType = ApiKeyCommand['type'];
export const API_KEY_COMMAND_TYPES: readonly ApiKeyCommandType[] = ['CreateApiKey', 'RevokeApiKey'];

/** The outcome the run-service publishes to a command's `replyTo`. */
export type CommandReply =
  | {
      ok: true;
      commandId: string;
      /** True when the command had already been applied and this answer replays its outcome. */
      replayed: boolean;
      run?: RunSnapshot;
      thread?: ThreadSnapshot;
      apiKey?: ApiKeySnapshot;
    }
  | { ok: false; commandId: string; error: ErrorBody };

/** A command before its metadata is stamped: `{ type, data }`, one member of the union. */
export type CommandDraft = RunCommandDraft | ThreadCommandDraft | ApiKeyCommandDraft;
export type RunCommandDraft = RunCommand extends infer C ? (C extends RunCommand ? Pick<C, 'type' | 'data'> : never) : never;
export type ThreadCommandDraft = ThreadCommand extends infer C ? (C extends ThreadCommand ? Pick<C, 'type' | 'data'> : never) : never;
export type ApiKeyCommandDraft = ApiKeyCommand extends infer C ? (C extends ApiKeyCommand ? Pick<C, 'type' | 'data'> : never) : never;
/** A command about a run whose id the sender adds. */
export type RunCommandBody = RunCommandDraft extends infer D
  ? D extends { type: infer T; data: infer Data }
    ? { type: T; data: Omit<Data, 'runId'> }
    : never
  : never;
