import type { ApiKeySnapshot, RunSnapshot, ThreadSnapshot } from '#contracts';
import type { ArtifactRecord } from '#persistence';
import { runMetrics } from '../run-metrics';

/** A Travelmode run (seeds 000–001): camelCase, with seed 003's live metrics under Travelmode names. */
export function travelmodeRun(run: RunSnapshot) {
  const metrics = runMetrics(run);
  return {
    id: run.id,
    tripId: run.threadId,
    userId: run.userId,
    status: run.status,
    phase: run.phase,
    lastEventSequence: run.lastEventSequence,
    attempt: run.attempt,
    triggerMessage: run.triggerMessage,
    cancelReason: run.cancelReason,
    errorMessage: run.errorMessage,
    result: run.result,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    agent: run.agent,
    inputPrompt: run.inputRequest?.prompt ?? null,
    inputExpiresAt: run.inputRequest?.expiresAt ?? null,
    totalInputTokens: metrics.inputTokens,
    totalOutputTokens: metrics.outputTokens,
    totalCostUsd: metrics.costUsd,
    durationMs: metrics.durationMs,
    cacheHitRate: metrics.cacheHitRate,
    creditsUsed: metrics.credits,
    model: metrics.model,
  };
}

/** Seed 000: whether the trip advanced past the run's frozen input snapshot. */
export function revisionDrift(run: RunSnapshot, currentRevision: number | null) {
  const current = currentRevision ?? run.snapshotRevision;
  return { hasDrift: current !== run.snapshotRevision, snapshotRevision: run.snapshotRevision, currentRevision: current };
}

/** `GET /v1/agent-runs/{runId}`: the run, its typed artifacts, and its drift. */
export const travelmodeRunDetail = ({ run, threadRevision }: { run: RunSnapshot; threadRevision: number | null }) => ({
  run: travelmodeRun(run),
  artifacts: run.artifacts.map((a) => ({ ...a })),
  revisionDrift: revisionDrift(run, threadRevision),
});

/** A thread as the native `/v1/threads` routes show it (Travelmode calls it a trip). */
export const travelmodeThread = (t: ThreadSnapshot) => ({
  id: t.id,
  ownerId: t.ownerId,
  title: t.title,
  metadata: t.metadata,
  revision: t.revision,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

/** A typed artifact (camelCase); `content` only where it is asked for. */
export const typedArtifactView = (a: ArtifactRecord, content?: unknown) => ({
  id: a.id,
  runId: a.runId,
  artifactType: a.artifactType,
  isPinned: a.isPinned,
  title: a.title,
  contentType: a.contentType,
  size: a.size,
  createdAt: a.createdAt.toISOString(),
  ...(content === undefined ? {} : { content }),
});

/** `GET /v1/agent-runs`: newest first, with the keyset cursor of the next page. */
export const travelmodeRunPage = (page: { runs: RunSnapshot[]; nextCursor: string | null }) => ({
  runs: page.runs.map(travelmodeRun),
  nextCursor: page.nextCursor,
});

/** `GET /v1/threads`. */
export const travelmodeThreadPage = (page: { threads: ThreadSnapshot[]; nextCursor: string | null }) => ({
  threads: page.threads.map(travelmodeThread),
  nextCursor: page.nextCursor,
});

/** `POST /v1/agent-runs { tripId, triggerMessage, agent? }`: a private run over the trip, started later. */
export const travelmodeRunRequest = (body: { tripId: number; triggerMessage: string; agent?: string }) => ({
  threadId: body.tripId,
  input: { message: body.triggerMessage },
  ...(body.agent === undefined ? {} : { agent: body.agent }),
  // Travelmode names agents, never versions: one nobody registered yet still takes the run.
  lenientAgent: true,
  visibility: 'private' as const,
});

/** An API key as its owner sees it: never the secret, nor its hash. */
export const apiKeyView = (k: ApiKeySnapshot) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  org: k.org,
  project: k.project,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

/** `POST /v1/api-keys`: the key, and its secret this one time. */
export const createdApiKeyView = ({ key, secret }: { key: ApiKeySnapshot; secret: string }) => ({ apiKey: apiKeyView(key), secret });
