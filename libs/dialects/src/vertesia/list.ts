import { DomainError, ErrorCode, parseAgentRef, type RunStatus } from '#contracts';
import { CORE_STATUSES } from './views';

/** `GET /api/v1/agents` filters as the core's: Vertesia statuses, `interaction[@version]`, `user:<id>`. */
export interface AgentListQuery {
  id?: string;
  status?: string;
  interaction?: string;
  started_by?: string;
  since?: string;
  until?: string;
  limit: number;
  offset: number;
  cursor?: string;
  sort: 'started_at' | 'updated_at';
  order: 'asc' | 'desc';
  run_type?: string;
  run_kind?: string;
  type?: string;
  schedule_id?: string;
}

/** The offset a `next_cursor` this API returned stands for. */
function offsetOf(cursor: string): number {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new DomainError(ErrorCode.ValidationFailed, 'cursor is not one this API returned');
  return Number(match[1]);
}

/**
 * `GET /api/v1/agents` filters as the core's. Every Runstream run is an autonomous agent run
 * started through the API, with no schedule: a `run_type`, `run_kind`, `type` or `schedule_id`
 * that asks for anything else lists nothing.
 */
export function agentListFilter(q: AgentListQuery) {
  const statuses: RunStatus[] | undefined = q.status?.split(',').flatMap((s) => CORE_STATUSES[s] ?? []);
  const ref = q.interaction === undefined ? null : parseAgentRef(q.interaction);
  if (q.interaction !== undefined && !ref) throw new DomainError(ErrorCode.ValidationFailed, 'interaction must be a name or name@version');
  const none =
    (q.run_type !== undefined && !q.run_type.split(',').includes('autonomous')) ||
    (q.run_kind !== undefined && q.run_kind !== 'agent') ||
    (q.type !== undefined && q.type !== 'api') ||
    q.schedule_id !== undefined;
  return {
    ...(none ? { none } : {}),
    ...(q.id ? { id: q.id.toLowerCase() } : {}),
    ...(statuses ? { statuses } : {}),
    ...(ref ? { agent: ref.name, ...(ref.version ? { agentVersion: ref.version } : {}) } : {}),
    ...(q.started_by ? { startedBy: q.started_by.replace(/^user:/, '') } : {}),
    ...(q.since ? { since: new Date(q.since) } : {}),
    ...(q.until ? { until: new Date(q.until) } : {}),
    sort: q.sort,
    order: q.order,
    limit: q.limit,
    offset: q.cursor === undefined ? q.offset : offsetOf(q.cursor),
  };
}

/** `DELETE /api/v1/agents/{id}`: the reason from the query (as the official client sends it) or a JSON body. */
export function terminateReason(query: { reason?: string }, body: unknown): string | undefined {
  if (query.reason !== undefined) return query.reason;
  const reason = typeof body === 'object' && body !== null ? (body as { reason?: unknown }).reason : undefined;
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string' || reason.length > 1_000) throw new DomainError(ErrorCode.ValidationFailed, 'reason must be a string of at most 1000 characters');
  return reason;
}

/** `POST …/fork`: the sequence from the query or a JSON body (none: the source's last event). */
export function forkSequence(query: { sequence?: number }, body: unknown): number | undefined {
  if (query.sequence !== undefined) return query.sequence;
  const sequence = typeof body === 'object' && body !== null ? (body as { sequence?: unknown }).sequence : undefined;
  if (sequence === undefined) return undefined;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0)
    throw new DomainError(ErrorCode.ValidationFailed, 'sequence must be a non-negative integer');
  return sequence;
}
