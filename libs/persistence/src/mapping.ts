import type { ApiKeySnapshot, ArtifactDescriptor, RunSnapshot, ThreadSnapshot } from '#contracts';
import type { ApiKeyRecord } from './entities/api-key.record';
import type { ArtifactRecord } from './entities/artifact.record';
import type { RunRecord } from './entities/run.record';
import type { ThreadRecord } from './entities/thread.record';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const date = (s: string | null): Date | null => (s === null ? null : new Date(s));

export function runSnapshotOf(r: RunRecord): RunSnapshot {
  return {
    id: r.id,
    threadId: r.threadId,
    userId: r.userId,
    org: r.org,
    project: r.project,
    visibility: r.visibility,
    agent: r.agent,
    agentVersion: r.agentVersion,
    triggerMessage: r.triggerMessage,
    traceId: r.traceId,
    spec: r.spec,
    status: r.status,
    phase: r.phase,
    attempt: r.attempt,
    snapshotRevision: r.snapshotRevision,
    cancelReason: r.cancelReason,
    errorMessage: r.errorMessage,
    result: r.result ?? null,
    lastEventSequence: r.lastEventSequence,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    workerId: r.workerId,
    redispatches: r.redispatches,
    inputRequest: r.inputRequest,
    usage: r.usage,
    artifacts: r.artifacts,
    answer: r.answer,
    description: r.description,
    clock: r.clock,
  };
}

export function runRecordOf(s: RunSnapshot, lastStreamSeq: number): RunRecord {
  return {
    ...s,
    result: s.result ?? null,
    lastStreamSeq,
    createdAt: new Date(s.createdAt),
    updatedAt: new Date(s.updatedAt),
    startedAt: date(s.startedAt),
    finishedAt: date(s.finishedAt),
  };
}

export function threadSnapshotOf(r: ThreadRecord): ThreadSnapshot {
  return {
    id: r.id,
    ownerId: r.ownerId,
    org: r.org,
    project: r.project,
    visibility: r.visibility,
    messageCount: r.messageCount,
    title: r.title,
    metadata: r.metadata,
    revision: r.revision,
    lastEventSequence: r.lastEventSequence,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export function threadRecordOf(s: ThreadSnapshot, lastStreamSeq: number): ThreadRecord {
  return { ...s, lastStreamSeq, createdAt: new Date(s.createdAt), updatedAt: new Date(s.updatedAt) };
}

/** The row a `RunArtifactCreated` event projects to. */
export function artifactRecordOf(a: ArtifactDescriptor, runId: string, sequence: number, createdAt: string): ArtifactRecord {
  const at = new Date(createdAt);
  return {
    id: a.id,
    runId,
    kind: a.kind,
    artifactType: a.artifactType,
    title: a.title,
    path: a.path,
    objectName: a.objectName,
    contentType: a.contentType,
    size: a.size,
    sha256: a.sha256,
    isPinned: a.isPinned,
    sequence,
    createdAt: at,
    updatedAt: at,
  };
}

export function apiKeySnapshotOf(r: ApiKeyRecord): ApiKeySnapshot {
  return {
    id: r.id,
    name: r.name,
    ownerId: r.ownerId,
    org: r.org,
    project: r.project,
    scopes: r.scopes,
    secretHash: r.secretHash,
    prefix: r.prefix,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    revokedAt: iso(r.revokedAt),
    lastEventSequence: r.lastEventSequence,
  };
}

export function apiKeyRecordOf(s: ApiKeySnapshot, lastStreamSeq: number): ApiKeyRecord {
  return { ...s, lastStreamSeq, createdAt: new Date(s.createdAt), revokedAt: date(s.revokedAt) };
}
