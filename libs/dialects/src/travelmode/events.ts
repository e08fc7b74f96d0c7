import type { RunEvent, RunStatus } from '#contracts';
import { mapEvent, type EventTable, type StoredRunEventView, asRunEvent } from '../dialect';

export interface TravelmodeEvent {
  eventType: string;
  payload: unknown;
}

/** The Travelmode name of each internal event type (seed 002's style), and the payload it shows. */
export const TRAVELMODE_EVENTS: EventTable<TravelmodeEvent> = {
  RunCreated: (d) => ({ eventType: 'RUN_CREATED', payload: { tripId: d.threadId, triggerMessage: d.triggerMessage, agent: d.agent } }),
  RunCreatedV2: (d) => ({ eventType: 'RUN_CREATED', payload: { tripId: d.threadId, triggerMessage: d.spec.input.message, agent: d.agent.name } }),
  RunStarted: (d) => ({ eventType: 'RUN_STARTED', payload: { attempt: d.attempt, snapshotRevision: d.snapshotRevision } }),
  RunStartedV2: (d) => ({ eventType: 'RUN_STARTED', payload: { attempt: d.attempt, snapshotRevision: d.snapshotRevision } }),
  RunRetriedV2: (d) => ({ eventType: 'RUN_RETRIED', payload: { attempt: d.attempt, snapshotRevision: d.snapshotRevision } }),
  RunRestarted: (d) => ({ eventType: 'RUN_RESTARTED', payload: { attempt: d.attempt } }),
  RunRedispatchedV2: (d) => ({
    eventType: 'RUN_REDISPATCHED',
    payload: { attempt: d.attempt, previousAttempt: d.previousAttempt, reason: d.reason },
  }),
  RunAnswered: (d) => ({ eventType: 'MESSAGE_COMPLETED', payload: { messageId: d.messageId, content: d.content } }),
  RunDescribed: (d) => ({ eventType: 'RUN_DESCRIBED', payload: { name: d.name, title: d.title, topic: d.topic } }),
  RunPhaseStarted: (d) => ({ eventType: 'PHASE_STARTED', payload: { phase: d.phase } }),
  RunCompleted: (d) => ({ eventType: 'RUN_COMPLETED', payload: { result: d.result } }),
  RunFailed: (d) => ({ eventType: 'RUN_FAILED', payload: { errorMessage: d.errorMessage } }),
  RunCancelled: (d) => ({ eventType: 'RUN_CANCELLED', payload: { reason: d.reason } }),
  RunRetried: (d) => ({ eventType: 'RUN_RETRIED', payload: { attempt: d.attempt, snapshotRevision: d.snapshotRevision } }),
  RunClaimed: (d) => ({ eventType: 'WORKER_ASSIGNED', payload: { attempt: d.attempt, workerId: d.workerId } }),
  RunRedispatched: (d) => ({
    eventType: 'RUN_REDISPATCHED',
    payload: { attempt: d.attempt, previousAttempt: d.previousAttempt, reason: d.reason },
  }),
  RunMessageDelta: (d) => ({ eventType: 'MESSAGE_DELTA', payload: { messageId: d.messageId, text: d.text } }),
  RunToolCalled: (d) => ({ eventType: 'TOOL_CALL', payload: { callId: d.callId, name: d.name, input: d.input } }),
  RunToolCallCompleted: (d) => ({ eventType: 'TOOL_RESULT', payload: { callId: d.callId, output: d.output, isError: d.isError } }),
  RunUsageRecorded: (d) => ({
    eventType: 'USAGE_RECORDED',
    payload: {
      inputTokens: d.inputTokens,
      outputTokens: d.outputTokens,
      cachedInputTokens: d.cachedInputTokens,
      costUsd: d.costUsd,
      credits: d.credits,
      model: d.model,
    },
  }),
  RunInputRequested: (d) => ({ eventType: 'WAITING_FOR_INPUT', payload: { prompt: d.prompt, inputExpiresAt: d.expiresAt } }),
  RunInputExpiring: (d) => ({ eventType: 'INPUT_EXPIRING', payload: { inputExpiresAt: d.expiresAt } }),
  RunInputProvided: (d) => ({ eventType: 'INPUT_RECEIVED', payload: { content: d.content } }),
  RunSignalled: (d) => ({ eventType: 'SIGNAL_RECEIVED', payload: { name: d.name, payload: d.payload } }),
  RunArtifactCreated: (d) => ({
    eventType: 'ARTIFACT_CREATED',
    payload: { artifactId: d.id, artifactType: d.artifactType, title: d.title, path: d.path },
  }),
  RunArtifactPinChanged: (d) => ({ eventType: 'ARTIFACT_UPDATED', payload: { artifactId: d.artifactId, isPinned: d.isPinned } }),
};

/** An event as the Travelmode events page and stream show it: `{ sequence, eventType, payload, createdAt }`. */
export function travelmodeEventOf(event: RunEvent) {
  const { eventType, payload } = mapEvent(TRAVELMODE_EVENTS, event);
  return { sequence: event.metadata.sequence, eventType, payload, createdAt: event.metadata.createdAt };
}

/** `GET …/events`: the events after `since`, with the status and phase as of the page's last event. */
export const travelmodeEventPage = (page: { events: StoredRunEventView[]; status: RunStatus; phase: string | null }) => ({
  events: page.events.map((stored) => travelmodeEventOf(asRunEvent(stored))),
  runStatus: page.status,
  currentPhase: page.phase,
});
