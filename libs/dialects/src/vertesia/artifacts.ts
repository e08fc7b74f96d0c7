import type { ArtifactRecord } from '#persistence';

/** A Vertesia file artifact (seed 004, snake_case). */
export const fileArtifactView = (a: ArtifactRecord) => ({
  path: a.path,
  size: a.size,
  content_type: a.contentType,
  sha256: a.sha256,
  created_at: a.createdAt.toISOString(),
});
