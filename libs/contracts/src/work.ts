import type { AttemptInput } from './events';

/**
 * A work item on `runstream.work.<agent>`: one attempt of one run. `eventStreamSeq` is the stream
 * sequence of the event that started the attempt; the worker follows the run's subject from there,
 * so it sees every stop, cancel, input and signal appended after it.
 */
export interface WorkItem extends AttemptInput {
  runId: string;
  eventStreamSeq: number;
  dispatchedAt: string;
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
export type CreateTypedArtifactReply =
  | { ok: true; artifact: { id: number; artifactType: string; isPinned: boolean } }
  | { ok: false; error: { code: string; message: string } };

/** A query's answer from the worker holding the run. */
export type QueryReply = { ok: true; result: unknown } | { ok: false; error: string };
