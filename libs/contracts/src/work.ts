import type { RunPhase } from './run-status';

/**
 * A work item on `runstream.work.<agent>[.<version>]`: one attempt of one run. `eventStreamSeq` is
 * the stream sequence of the event that started the attempt; the worker follows the run's subject
 * from there, so it sees every stop, cancel, input and signal appended after it. What the run asks
 * the worker reads from the run itself when it claims the attempt.
 */
export interface WorkItem {
  runId: string;
  attempt: number;
  agent: string;
  /** Absent on items of v1 attempt events (any version). */
  version?: string | null;
  eventStreamSeq: number;
  dispatchedAt: string;
  /** v1 items carried these; v2 workers read the run instead. */
  snapshotRevision?: number;
  triggerMessage?: string;
}

/** What a worker announces about an agent version it serves (KV `RUNSTREAM_AGENTS`, key `<name>.<version>`). */
export interface AgentRegistration {
  name: string;
  version: string;
  description: string | null;
  /** Tool names a run uses unless it says otherwise. */
  tools: string[];
  model: string | null;
  environment: string | null;
  /** The phases its runs report, in order (empty: it declares none). */
  phases: RunPhase[];
  registeredAt: string;
}

/** A lease in RUNSTREAM_LEASES, renewed by the holder's heartbeats. */
export interface LeaseRecord {
  runId: string;
  attempt: number;
  workerId: string;
  renewedAt: string;
}

/** What a worker asks the artifact-service to store (request on `SUBJECTS.artifactCreate`). */
export interface CreateTypedArtifactRequest {
  runId: string;
  attempt: number;
  workerId: string;
  agent: string;
  artifactType: string;
  title?: string | null;
  content: unknown;
}
/**
 * V2 carries the worker's id for the request: asked again after a timeout or an outage, it is
 * stored once (the artifact-service derives the object name and the RecordArtifact command id from it).
 */
export interface CreateTypedArtifactRequestV2 extends CreateTypedArtifactRequest {
  version: 2;
  requestId: string;
}
export type CreateTypedArtifactReply =
  | { ok: true; artifact: { id: number; artifactType: string; isPinned: boolean } }
  | { ok: false; error: { code: string; message: string } };

/** A query's answer from the worker holding the run. */
export type QueryReply = { ok: true; result: unknown } | { ok: false; error: string };
