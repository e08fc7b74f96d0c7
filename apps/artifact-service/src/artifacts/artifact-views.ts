import type { ArtifactRecord } from '#persistence';

/** Vertesia file artifact (seed 004 style: snake_case). */
export const fileView = (a: ArtifactRecord) => ({
  path: a.path,
  size: a.size,
  content_type: a.contentType,
  sha256: a.sha256,
  created_at: a.createdAt.toISOString(),
});

/** Travelmode typed artifact (seeds 000–002 style: camelCase); `content` only where it is asked for. */
export const typedView = (a: ArtifactRecord, content?: unknown) => ({
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
