import type { RunEvent } from '#contracts';
import { mapEvent, type EventTable } from '../dialect';

export interface ThreadRunsEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Seed 003's event names (`run.*`, `message.delta`, `tool.call`, `tool.result` are the seed's;
 * the others follow their style), with snake_case data.
 */
export const THREAD_RUNS_EVENTS: EventTable<ThreadRunsEvent> = {
  RunCreated: (d) => ({ type: 'run.created', data: { thread_id: d.threadId } }),
  RunCreatedV2: (d) => ({ type: 'run.created', data: { thread_id: d.threadId } }),
  RunStarted: (d) => ({ type: 'run.started', data: { attempt: d.attempt } }),
  RunStartedV2: (d) => ({ type: 'run.started', data: { attempt: d.attempt } }),
  RunRetried: (d) => ({ type: 'run.retried', data: { attempt: d.attempt } }),
  RunRetriedV2: (d) => ({ type: 'run.retried', data: { attempt: d.attempt } }),
  RunRestarted: (d) => ({ type: 'run.restarted', data: { attempt: d.attempt } }),
  RunRedispatched: (d) => ({ type: 'run.redispatched', data: { attempt: d.attempt, previous_attempt: d.previousAttempt, reason: d.reason } }),
  RunRedispatchedV2: (d) => ({ type: 'run.redispatched', data: { attempt: d.attempt, previous_attempt: d.previousAttempt, reason: d.reason } }),
  RunClaimed: (d) => ({ type: 'run.worker_assigned', data: { attempt: d.attempt, worker_id: d.workerId } }),
  RunPhaseStarted: (d) => ({ type: 'run.phase_started', data: { phase: d.phase } }),
  RunMessageDelta: (d) => ({ type: 'message.delta', data: { content: d.text, message_id: d.messageId } }),
  RunAnswered: (d) => ({ type: 'message.completed', data: { content: d.content, message_id: d.messageId } }),
  RunToolCalled: (d) => ({ type: 'tool.call', data: { call_id: d.callId, name: d.name, input: d.input } }),
  RunToolCallCompleted: (d) => ({ type: 'tool.result', data: { call_id: d.callId, output: d.output, is_error: d.isError } }),
  RunUsageRecorded: (d) => ({
    type: 'usage.recorded',
    data: {
      input_tokens: d.inputTokens,
      output_tokens: d.outputTokens,
      cached_input_tokens: d.cachedInputTokens,
      cost_usd: d.costUsd,
      credits: d.credits,
      model: d.model,
    },
  }),
  RunInputRequested: (d) => ({ type: 'run.waiting_for_input', data: { prompt: d.prompt, expires_at: d.expiresAt } }),
  RunInputExpiring: (d) => ({ type: 'run.input_expiring', data: { expires_at: d.expiresAt } }),
  RunInputProvided: (d) => ({ type: 'run.input_received', data: { content: d.content } }),
  RunSignalled: (d) => ({ type: 'run.signal_received', data: { name: d.name, payload: d.payload } }),
  RunArtifactCreated: (d) => ({ type: 'artifact.created', data: { artifact_id: d.id, artifact_type: d.artifactType, title: d.title, path: d.path } }),
  RunArtifactPinChanged: (d) => ({ type: 'artifact.updated', data: { artifact_id: d.artifactId, is_pinned: d.isPinned } }),
  RunDescribed: (d) => ({ type: 'run.described', data: { name: d.name, title: d.title, topic: d.topic } }),
  RunCompleted: (d) => ({ type: 'run.completed', data: { result: d.result } }),
  RunFailed: (d) => ({ type: 'run.failed', data: { error: d.errorMessage } }),
  RunCancelled: (d) => ({ type: 'run.cancelled', data: { reason: d.reason } }),
};

/** `{ seq, type, data, created_at }`: an event as the seed's stream shows it. */
export function threadRunsEventOf(event: RunEvent) {
  const { type, data } = mapEvent(THREAD_RUNS_EVENTS, event);
  return { seq: event.metadata.sequence, type, data, created_at: event.metadata.createdAt };
}
