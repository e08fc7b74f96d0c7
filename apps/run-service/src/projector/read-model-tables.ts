import type { RunEvent, ThreadEvent } from '#contracts';
import type { RunState } from '#domain';
import type { ApiKeyRecord, ArtifactRecord, RunEventRecord, RunRecord, ThreadMessageRecord, ThreadRecord } from '#persistence';
import type { BulkTable } from './bulk-write';
import type { ProjectionItem } from './fold-batch';

/** Column order and types of the read model tables, as the projector writes them. */
export const RUN_EVENTS_TABLE: BulkTable<RunEventRecord> = {
  table: 'run_events',
  columns: [
    { name: 'run_id', type: 'uuid', value: (r) => r.runId },
    { name: 'sequence', type: 'int', value: (r) => r.sequence },
    { name: 'stream_seq', type: 'bigint', value: (r) => r.streamSeq },
    { name: 'type', type: 'text', value: (r) => r.type },
    { name: 'data', type: 'json', value: (r) => r.data },
    { name: 'metadata', type: 'json', value: (r) => r.metadata },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'run_status', type: 'text', value: (r) => r.runStatus },
    { name: 'run_phase', type: 'text', value: (r) => r.runPhase },
    { name: 'clock', type: 'bigint', value: (r) => r.clock },
  ],
};

export const RUNS_TABLE: BulkTable<RunRecord> = {
  table: 'runs',
  upsertOn: ['id'],
  columns: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'thread_id', type: 'int', value: (r) => r.threadId },
    { name: 'user_id', type: 'text', value: (r) => r.userId },
    { name: 'org', type: 'text', value: (r) => r.org },
    { name: 'project', type: 'text', value: (r) => r.project },
    { name: 'visibility', type: 'text', value: (r) => r.visibility },
    { name: 'agent', type: 'text', value: (r) => r.agent },
    { name: 'agent_version', type: 'text', value: (r) => r.agentVersion },
    { name: 'trigger_message', type: 'text', value: (r) => r.triggerMessage },
    { name: 'trace_id', type: 'text', value: (r) => r.traceId },
    { name: 'spec', type: 'jsonb', value: (r) => r.spec },
    { name: 'status', type: 'text', value: (r) => r.status },
    { name: 'phase', type: 'text', value: (r) => r.phase },
    { name: 'attempt', type: 'int', value: (r) => r.attempt },
    { name: 'snapshot_revision', type: 'int', value: (r) => r.snapshotRevision },
    { name: 'cancel_reason', type: 'text', value: (r) => r.cancelReason },
    { name: 'error_message', type: 'text', value: (r) => r.errorMessage },
    { name: 'result', type: 'jsonb', value: (r) => r.result },
    { name: 'last_event_sequence', type: 'int', value: (r) => r.lastEventSequence },
    { name: 'last_stream_seq', type: 'bigint', value: (r) => r.lastStreamSeq },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
    { name: 'started_at', type: 'timestamptz', value: (r) => r.startedAt },
    { name: 'finished_at', type: 'timestamptz', value: (r) => r.finishedAt },
    { name: 'worker_id', type: 'text', value: (r) => r.workerId },
    { name: 'redispatches', type: 'int', value: (r) => r.redispatches },
    { name: 'input_request', type: 'jsonb', value: (r) => r.inputRequest },
    { name: 'usage', type: 'jsonb', value: (r) => r.usage },
    { name: 'artifacts', type: 'jsonb', value: (r) => r.artifacts },
    { name: 'answer', type: 'jsonb', value: (r) => r.answer },
    { name: 'description', type: 'jsonb', value: (r) => r.description },
    { name: 'clock', type: 'bigint', value: (r) => r.clock },
  ],
};

export const THREADS_TABLE: BulkTable<ThreadRecord> = {
  table: 'threads',
  upsertOn: ['id'],
  columns: [
    { name: 'id', type: 'int', value: (r) => r.id },
    { name: 'owner_id', type: 'text', value: (r) => r.ownerId },
    { name: 'org', type: 'text', value: (r) => r.org },
    { name: 'project', type: 'text', value: (r) => r.project },
    { name: 'visibility', type: 'text', value: (r) => r.visibility },
    { name: 'message_count', type: 'int', value: (r) => r.messageCount },
    { name: 'title', type: 'text', value: (r) => r.title },
    { name: 'metadata', type: 'jsonb', value: (r) => r.metadata },
    { name: 'revision', type: 'int', value: (r) => r.revision },
    { name: 'last_event_sequence', type: 'int', value: (r) => r.lastEventSequence },
    { name: 'last_stream_seq', type: 'bigint', value: (r) => r.lastStreamSeq },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ],
};

/** Messages are written once: a redelivered event finds its row there and changes nothing. */
export const THREAD_MESSAGES_TABLE: BulkTable<ThreadMessageRecord> = {
  table: 'thread_messages',
  columns: [
    { name: 'thread_id', type: 'int', value: (r) => r.threadId },
    { name: 'position', type: 'int', value: (r) => r.position },
    { name: 'message_id', type: 'text', value: (r) => r.messageId },
    { name: 'role', type: 'text', value: (r) => r.role },
    { name: 'content', type: 'text', value: (r) => r.content },
    { name: 'run_id', type: 'uuid', value: (r) => r.runId },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
  ],
};

export const API_KEYS_TABLE: BulkTable<ApiKeyRecord> = {
  table: 'api_keys',
  upsertOn: ['id'],
  columns: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'name', type: 'text', value: (r) => r.name },
    { name: 'owner_id', type: 'text', value: (r) => r.ownerId },
    { name: 'org', type: 'text', value: (r) => r.org },
    { name: 'project', type: 'text', value: (r) => r.project },
    { name: 'scopes', type: 'jsonb', value: (r) => r.scopes },
    { name: 'secret_hash', type: 'text', value: (r) => r.secretHash },
    { name: 'prefix', type: 'text', value: (r) => r.prefix },
    { name: 'created_by', type: 'jsonb', value: (r) => r.createdBy },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'revoked_at', type: 'timestamptz', value: (r) => r.revokedAt },
    { name: 'last_event_sequence', type: 'int', value: (r) => r.lastEventSequence },
    { name: 'last_stream_seq', type: 'bigint', value: (r) => r.lastStreamSeq },
  ],
};

export const ARTIFACTS_TABLE: BulkTable<ArtifactRecord> = {
  table: 'artifacts',
  upsertOn: ['id'],
  columns: [
    { name: 'id', type: 'int', value: (r) => r.id },
    { name: 'run_id', type: 'uuid', value: (r) => r.runId },
    { name: 'kind', type: 'text', value: (r) => r.kind },
    { name: 'artifact_type', type: 'text', value: (r) => r.artifactType },
    { name: 'title', type: 'text', value: (r) => r.title },
    { name: 'path', type: 'text', value: (r) => r.path },
    { name: 'object_name', type: 'text', value: (r) => r.objectName },
    { name: 'content_type', type: 'text', value: (r) => r.contentType },
    { name: 'size', type: 'bigint', value: (r) => r.size },
    { name: 'sha256', type: 'text', value: (r) => r.sha256 },
    { name: 'is_pinned', type: 'boolean', value: (r) => r.isPinned },
    { name: 'sequence', type: 'int', value: (r) => r.sequence },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ],
};

/**
 * A file artifact takes its path over from the one it replaces (the latest upload to a path wins),
 * in one statement: the row is rewritten in place, new id included.
 */
export const FILE_ARTIFACTS_TABLE: BulkTable<ArtifactRecord> = {
  ...ARTIFACTS_TABLE,
  upsertOn: ['run_id', 'path'],
  upsertWhere: `kind = 'file'`,
};

/** Rows of one run's applied events, as the read model stores them. */
export function eventRowsOf(id: string, applied: { item: ProjectionItem<RunEvent>; stateAfter: RunState }[]): RunEventRecord[] {
  return applied.map(({ item, stateAfter }) => ({
    runId: id,
    sequence: item.event.metadata.sequence,
    streamSeq: item.streamSeq,
    type: item.event.type,
    data: item.event.data,
    metadata: item.event.metadata,
    createdAt: new Date(item.event.metadata.createdAt),
    runStatus: stateAfter?.status ?? 'pending',
    runPhase: stateAfter?.phase ?? null,
    clock: stateAfter?.clock ?? Date.parse(item.event.metadata.createdAt),
  }));
}

/** Rows of the messages a thread's applied events appended. */
export function threadMessageRowsOf(threadId: number, applied: { item: ProjectionItem<ThreadEvent> }[]): ThreadMessageRecord[] {
  return applied.flatMap(({ item: { event } }) =>
    event.type === 'ThreadMessageAppended'
      ? [
          {
            threadId,
            position: event.data.position,
            messageId: event.data.messageId,
            role: event.data.role,
            content: event.data.content,
            runId: event.data.runId,
            createdAt: new Date(event.metadata.createdAt),
          },
        ]
      : [],
  );
}
