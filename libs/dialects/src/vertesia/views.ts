import type { AgentRegistration, RunSnapshot, RunStatus } from '#contracts';
import { runMetrics } from '../run-metrics';

/** Vertesia's statuses: a run not started yet is `created`; one waiting for input is still `running`. */
export const VERTESIA_STATUS: Record<RunStatus, 'created' | 'running' | 'completed' | 'failed' | 'cancelled'> = {
  pending: 'created',
  running: 'running',
  waiting_for_input: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The core statuses a Vertesia status filter names. */
export const CORE_STATUSES: Record<string, RunStatus[]> = {
  created: ['pending'],
  running: ['running', 'waiting_for_input'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
};

const setting = (run: RunSnapshot, name: string) => run.spec.options.settings[name] ?? null;

/** The AgentRun object every agents route answers with (snake_case, seed 004). */
export function agentRunView(run: RunSnapshot) {
  const metrics = runMetrics(run);
  const version = run.agentVersion;
  return {
    id: run.id,
    run_kind: 'agent',
    run_type: 'autonomous',
    account: run.org,
    project: run.project,
    interaction: run.agent,
    interaction_name: version === null ? run.agent : `${run.agent}@${version}`,
    interaction_version: version,
    interactionRef: {
      id: version === null ? run.agent : `${run.agent}@${version}`,
      name: run.agent,
      endpoint: run.agent,
      status: version === null || /^\d+$/.test(version) ? 'published' : 'draft',
      version: version !== null && /^\d+$/.test(version) ? Number(version) : 0,
      tags: [],
      updated_at: run.createdAt,
    },
    data: run.spec.input.data,
    environment: run.spec.options.environment ?? 'default',
    model: metrics.model ?? run.spec.options.model,
    config: { environment: run.spec.options.environment ?? 'default', model: run.spec.options.model },
    interactive: run.spec.options.interactive,
    tool_names: run.spec.options.tools,
    collection_id: setting(run, 'collection_id'),
    search_scope: setting(run, 'search_scope'),
    user_channels: setting(run, 'user_channels'),
    checkpoint_tokens: setting(run, 'checkpoint_tokens'),
    debug_mode: setting(run, 'debug_mode'),
    status: VERTESIA_STATUS[run.status],
    started_at: run.startedAt ?? run.createdAt,
    completed_at: run.finishedAt,
    started_by: `user:${run.userId}`,
    name: run.description.name,
    title: run.description.title,
    topic: run.description.topic,
    tags: run.spec.labels.tags,
    categories: run.spec.labels.categories,
    properties: run.spec.labels.properties,
    visibility: run.visibility === 'private' ? 'private' : 'project',
    forked_from: run.spec.forkedFrom?.runId ?? null,
    error: run.errorMessage,
    attempt: run.attempt,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
  };
}

/** `GET /api/v1/agents`: the official client reads `items`; `next_cursor` pages on (null at the end). */
export const agentRunPage = (page: { runs: RunSnapshot[]; total: number; offset: number }) => {
  const next = page.offset + page.runs.length;
  return {
    items: page.runs.map(agentRunView),
    total_count: page.total,
    next_cursor: next < page.total ? Buffer.from(`offset:${next}`).toString('base64url') : null,
  };
};

/**
 * A query's answer as Vertesia's client reads it: `ActiveWorkstreams` is `{ running, completed }`
 * (the SDK's default answers the open tool calls as a list); anything else passes unchanged.
 */
export function queryResultView(name: string, result: unknown, now = Date.now()) {
  if (name !== 'ActiveWorkstreams' || !Array.isArray(result)) return result;
  const running = (result as { callId?: string; tool?: string; startedAt?: string }[]).map((w) => ({
    launch_id: w.callId ?? null,
    workstream_id: w.callId ?? null,
    kind: 'tool',
    interaction: w.tool ?? null,
    started_at: w.startedAt ?? null,
    elapsed_ms: w.startedAt ? Math.max(0, now - Date.parse(w.startedAt)) : null,
    deadline_ms: null,
    status: 'running',
  }));
  return { running, completed: [] };
}

/** `DELETE /api/v1/agents/{id}`. */
export const terminatedView = (run: RunSnapshot) => ({
  message: `agent run ${run.id} terminated`,
  reason: run.cancelReason,
  id: run.id,
  status: VERTESIA_STATUS[run.status],
});

/** `POST …/signal/{name}`. */
export const signalledView = (name: string) => ({ status: 'sent', message: `signal ${name} sent` });

/** `GET /api/v1/interactions`: what workers registered. */
export const interactionView = (r: AgentRegistration) => ({
  id: `${r.name}@${r.version}`,
  name: r.name,
  version: r.version,
  description: r.description,
  tool_names: r.tools,
  model: r.model,
  environment: r.environment,
  phases: r.phases,
  registered_at: r.registeredAt,
});

/** A file artifact (seed 004, snake_case). */
export { fileArtifactView } from './artifacts';
