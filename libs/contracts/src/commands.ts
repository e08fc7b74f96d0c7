import type { ErrorBody } from './errors';
import type { CommandMetadata, Message } from './metadata';
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
  | { kind: 'completed'; result?: unknown }
  | { kind: 'failed'; errorMessage: string };

/** A worker's reports for one attempt, applied in order and all-or-nothing. */
export type ReportRunProgress = Command<'ReportRunProgress', { runId: string; attempt: number; reports: WorkerReport[] }>;

export type RunCommand = CreateRun | StartRun | StopRun | CancelRun | RetryRun | ReportRunProgress;
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
