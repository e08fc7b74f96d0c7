import type { RunSnapshot } from '#contracts';
import { runMetrics } from '../run-metrics';

/** `persona_key@version` of a run bound to a version (null: the default agent, any version). */
const personaOf = (run: RunSnapshot) => (run.agentVersion === null ? null : `${run.agent}@${run.agentVersion}`);

/** `POST /v1/threads/{thread_id}/runs` → 201. */
export const createdRunView = (run: RunSnapshot) => ({ run_id: run.id, trace_id: run.traceId });

/** An item of `GET /v1/threads/{thread_id}/runs`. */
export const threadRunView = (run: RunSnapshot) => ({ run_id: run.id, status: run.status, created_at: run.createdAt });

/** An item of `GET /v1/runs`: every field the seed lists, metrics live while the run runs. */
export function runListView(run: RunSnapshot) {
  const m = runMetrics(run);
  return {
    run_id: run.id,
    org_id: run.org,
    thread_id: run.threadId,
    status: run.status,
    model: m.model ?? run.spec.options.model,
    persona_id: personaOf(run),
    total_input_tokens: m.inputTokens,
    total_output_tokens: m.outputTokens,
    total_cost_usd: m.costUsd,
    duration_ms: m.durationMs,
    cache_hit_rate: m.cacheHitRate,
    credits_used: m.credits,
    created_at: run.createdAt,
    completed_at: run.status === 'completed' ? run.finishedAt : null,
    failed_at: run.status === 'failed' ? run.finishedAt : null,
    created_by_user_id: run.userId,
    created_by_user_name: run.spec.createdBy.name,
    created_by_email: run.spec.createdBy.email,
  };
}

/** `GET /v1/runs/{run_id}`: the seed's fields, the list's, and a few more. */
export const runDetailView = (run: RunSnapshot) => ({
  ...runListView(run),
  trace_id: run.traceId,
  route_id: run.spec.options.route,
  attempt: run.attempt,
  last_seq: run.lastEventSequence,
  error: run.errorMessage,
  cancel_reason: run.cancelReason,
  input_prompt: run.inputRequest?.prompt ?? null,
  result: run.result,
});

/** A message of a thread's conversation. */
export const threadMessageView = (m: { threadId: number; position: number; messageId: string; role: string; content: string; runId: string | null; createdAt: Date }) => ({
  message_id: m.messageId,
  thread_id: m.threadId,
  seq: m.position,
  role: m.role,
  content: m.content,
  run_id: m.runId,
  created_at: m.createdAt.toISOString(),
});

/** `POST /v1/threads/{thread_id}/runs { route_id?, persona_id? }`: started at once, visible to the org. */
export const threadRunRequest = (threadId: number, body: { route_id?: string | null; persona_id?: string | null }, persona: { name: string; version: string | null } | null) => ({
  threadId,
  ...(persona ? { agent: persona.name, version: persona.version } : {}),
  // No persona: the default agent, taken by any of its workers even before one registered.
  lenientAgent: persona === null,
  // null, like absent: no route chosen (class-validator's @IsOptional lets null through).
  options: body.route_id === undefined || body.route_id === null ? {} : { route: body.route_id },
  visibility: 'org' as const,
  autoStart: true,
});
