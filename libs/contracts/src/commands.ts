import type { ErrorBody } from './errors';
import type { CommandMetadata, Message } from './metadata';
import type { ArtifactDescriptor, LeaseLossReason, UsageIncrement } from './events';
import type { RunPhase } from './run-status';
import type { RunSnapshot, ThreadSnapshot } from './snapshots';

/** Command vocabulary (imperative). */
export type Command<Type extends string, Data> = Message<Type, Data, CommandMetadata>;

export type CreateRun = Command<
  'CreateRun',
  { runId: string; threadId: number; triggerMessage: string; agent?: string; autoStart?: boolean }
>;
export type StartRun = Command<'StartRun', { runId: string }>;
export type StopRun = Command<'StopRun', { runId: string }>;
export type CancelRun = Command<'CancelRun', { runId: string; reason?: string }>;
export type RetryRun = Command<'RetryRun', { runId: string }>;

/** One thing a worker tells about the attempt it is executing. */
export type WorkerReport =
  | { kind: 'phase_started'; phase: RunPhase }
  | { kind: 'message_delta'; messageId: string; text: string }
  | { kind: 'tool_call'; callId: string; name: string; input?: unknown }
  | { kind: 'tool_result'; callId: string; output?: unknown; isError?: boolean }
  | ({ kind: 'usage' } & Partial<UsageIncrement>)
  | { kind: 'input_requested'; prompt: string; expiresAt?: string | null }
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
  { threadId: number; title?: string | null; metadata?: Record<string, unknown> }
>;
export type UpdateThread = Command<
  'UpdateThread',
  { threadId: number; title?: string | null; metadata?: Record<string, unknown> }
>;

export type ThreadCommand = CreateThread | UpdateThread;
export type ThreadCommandType = ThreadCommand['type'];

export const RUN_COMMAND_TYPES: readonly RunCommandType[] = [
  'CreateRun',
  'StartRun',
  'StopRun',
  'CancelRun',
  'RetryRun',
  'ReportRunProgress',
  'ClaimRun',
  'ExpireLease',
  'ProvideInput',
  'ExpireInput',
  'SignalRun',
  'RecordArtifact',
  'PinArtifact',
];
export const THREAD_COMMAND_TYPES: readonly ThreadCommandType[] = ['CreateThread', 'UpdateThread'];

/** The outcome the run-service publishes to a command's `replyTo`. */
export type CommandReply =
  | {
      ok: true;
      commandId: string;
      /** True when the command had already been applied and this answer replays its outcome. */
      replayed: boolean;
      run?: RunSnapshot;
      thread?: ThreadSnapshot;
    }
  | { ok: false; commandId: string; error: ErrorBody };

/** A command before its metadata is stamped: `{ type, data }`, one member of the union. */
export type CommandDraft = RunCommandDraft | ThreadCommandDraft;
export type RunCommandDraft = RunCommand extends infer C ? (C extends RunCommand ? Pick<C, 'type' | 'data'> : never) : never;
export type ThreadCommandDraft = ThreadCommand extends infer C ? (C extends ThreadCommand ? Pick<C, 'type' | 'data'> : never) : never;
/** A command about a run whose id the sender adds. */
export type RunCommandBody = RunCommandDraft extends infer D
  ? D extends { type: infer T; data: infer Data }
    ? { type: T; data: Omit<Data, 'runId'> }
    : never
  : never;
