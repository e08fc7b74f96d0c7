import type { RunEvent } from '#contracts';
import { mapEvent, type EventTable } from '../dialect';

/** Vertesia's message types (the official client maps these names to its numeric enum). */
export type VertesiaMessageType =
  | 'system'
  | 'thought'
  | 'plan'
  | 'update'
  | 'complete'
  | 'warning'
  | 'error'
  | 'answer'
  | 'question'
  | 'request_input'
  | 'idle'
  | 'terminated'
  | 'streaming_chunk'
  | 'batch_progress'
  | 'restarting';

/** What the table says of an event: its messages, before the run id and the timestamp are added. */
export interface MessageDraft {
  type: VertesiaMessageType;
  message: string;
  details?: Record<string, unknown>;
}

/** The numbers of the types in Vertesia's compact wire format (`AgentMessageType`). */
export const MESSAGE_TYPE_NUMBERS: Record<VertesiaMessageType, number> = {
  system: 0,
  thought: 1,
  plan: 2,
  update: 3,
  complete: 4,
  warning: 5,
  error: 6,
  answer: 7,
  question: 8,
  request_input: 9,
  idle: 10,
  terminated: 11,
  streaming_chunk: 12,
  batch_progress: 13,
  restarting: 14,
};

/**
 * One message: `{ timestamp, workflow_run_id, type, message, details, workstream_id }`, and the
 * same in Vertesia's compact form (`t` the type's number, `m`, `d`, `ts`), which the official
 * client reads first: its reading of the named form has no `restarting` and drops a chunk's details.
 */
export interface VertesiaMessage extends MessageDraft {
  timestamp: number;
  workflow_run_id: string;
  workstream_id: string;
  t: number;
  m: string;
  d: Record<string, unknown>;
  ts: number;
}

const one = (type: VertesiaMessageType, message: string, details?: Record<string, unknown>): MessageDraft =>
  details === undefined ? { type, message } : { type, message, details };
const none = null;

/**
 * The message of each internal event (one at most, so its timestamp, the run's event clock at
 * the event, is unique). A run's end is `complete`, or `terminated` for a cancel or a failure (with
 * the error), so a client streaming messages knows when to stop. Events the message stream has no
 * use for (a worker's claim, usage increments) show none.
 */
export const VERTESIA_MESSAGES: EventTable<MessageDraft | null> = {
  RunCreated: () => none,
  RunCreatedV2: () => none,
  RunStarted: (d) => one('system', `Agent started (attempt ${d.attempt})`, { attempt: d.attempt }),
  RunStartedV2: (d) => one('system', `Agent started (attempt ${d.attempt})`, { attempt: d.attempt }),
  RunRetried: (d) => one('restarting', `Retrying (attempt ${d.attempt})`, { attempt: d.attempt }),
  RunRetriedV2: (d) => one('restarting', `Retrying (attempt ${d.attempt})`, { attempt: d.attempt }),
  RunRestarted: (d) => one('restarting', `Restarting from the conversation so far (attempt ${d.attempt})`, { attempt: d.attempt }),
  RunRedispatched: (d) => one('warning', `The worker was lost; continuing on another (attempt ${d.attempt})`, { attempt: d.attempt, reason: d.reason }),
  RunRedispatchedV2: (d) => one('warning', `The worker was lost; continuing on another (attempt ${d.attempt})`, { attempt: d.attempt, reason: d.reason }),
  RunClaimed: () => none,
  RunPhaseStarted: (d) => one('update', d.phase, { phase: d.phase }),
  RunMessageDelta: (d) => one('streaming_chunk', d.text, { streaming_id: d.messageId }),
  RunAnswered: (d) => one('answer', d.content, { message_id: d.messageId }),
  RunToolCalled: (d) => one('thought', `Calling ${d.name}`, { tool: d.name, tool_use_id: d.callId, tool_event: 'started', input: d.input }),
  RunToolCallCompleted: (d) =>
    one('thought', d.isError ? 'A tool call failed' : 'A tool call returned', {
      tool_use_id: d.callId,
      tool_event: d.isError ? 'failed' : 'completed',
      tool_status: d.isError ? 'error' : 'completed',
      output: d.output,
    }),
  RunUsageRecorded: () => none,
  RunInputRequested: (d) => one('request_input', d.prompt, { expires_at: d.expiresAt }),
  RunInputExpiring: (d) => one('warning', `Input is needed before ${d.expiresAt}`, { expires_at: d.expiresAt }),
  RunInputProvided: (d) => one('update', 'Input received', { content: d.content }),
  RunSignalled: (d) => one('update', `Signal ${d.name} received`, { signal: d.name, payload: d.payload }),
  RunArtifactCreated: (d) => one('update', `Artifact ${d.path ?? d.title ?? d.artifactType} created`, { files: d.path ? [d.path] : [], artifact_id: d.id }),
  RunArtifactPinChanged: (d) => one('update', `Artifact ${d.artifactId} ${d.isPinned ? 'pinned' : 'unpinned'}`, { artifact_id: d.artifactId }),
  RunDescribed: (d) => one('system', d.title ?? d.name ?? 'Described', { name: d.name, title: d.title, topic: d.topic }),
  RunCompleted: (d) => one('complete', 'Completed', { result: d.result }),
  RunFailed: (d) => one('terminated', d.errorMessage, { status: 'failed', error: d.errorMessage }),
  RunCancelled: (d) => one('terminated', d.reason ?? 'Cancelled', { status: 'cancelled', reason: d.reason }),
};

/** An event's message (none, or one); `timestamp` is the run's event clock at it (unique and increasing within the run). */
export function vertesiaMessagesOf(event: RunEvent, clock: number, runId: string): VertesiaMessage[] {
  const draft = mapEvent(VERTESIA_MESSAGES, event);
  if (draft === null) return [];
  const details = draft.details ?? {};
  return [
    {
      timestamp: clock,
      workflow_run_id: runId,
      type: draft.type,
      message: draft.message,
      details,
      workstream_id: 'main',
      t: MESSAGE_TYPE_NUMBERS[draft.type],
      m: draft.message,
      d: details,
      ts: clock,
    },
  ];
}
