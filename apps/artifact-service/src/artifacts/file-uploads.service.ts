import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DomainError, ErrorCode, SCOPES, type Actor, type ArtifactDescriptor } from '#contracts';
import { artifactRecordOf, type ArtifactRecord } from '#persistence';
import { CONFIG, CommandBus, ProjectionWaiter, type IdSource, type Principal } from '#platform';
import type { ArtifactServiceConfig } from '../config';
import { ArtifactStore } from '../storage/artifact-store';
import { ArtifactIds } from './artifact-ids';
import { normalizeArtifactPath } from './artifact-path';
import { ArtifactReadModel } from './artifact-read-model';
import { FileArtifactsService, type SignedQuery } from './file-artifacts.service';
import { limitBytes } from './limit-bytes';

export interface Upload {
  body: Readable;
  contentType: string | undefined;
  contentLength: number | null;
}

const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/**
 * Vertesia file uploads: straight in the request (a bearer), or in two steps as the official
 * client does (an empty PUT asks for a signed, expiring, single-path PUT URL; the bytes then go
 * there without credentials). Either way the bytes are stored first and the log records them
 * before the file is visible.
 */
@Injectable()
export class FileUploadsService {
  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    private readonly store: ArtifactStore,
    private readonly artifacts: ArtifactReadModel,
    private readonly files: FileArtifactsService,
    private readonly ids: ArtifactIds,
    private readonly bus: CommandBus,
    private readonly projection: ProjectionWaiter,
  ) {}

  /** A direct upload by a user who may see and write to the run. Returns whether the path was new. */
  async upload(principal: Principal, rawRunId: string, rawPath: string, upload: Upload, ids: IdSource) {
    const runId = await this.artifacts.visibleRun(principal, rawRunId);
    return this.storeFile(principal, runId, normalizeArtifactPath(rawPath), upload, ids);
  }

  /** Step 1 of the two-step upload: a signed PUT URL of one path, for a user who may write to the run. */
  async uploadUrl(principal: Principal, rawRunId: string, rawPath: string, origin: string) {
    const runId = await this.artifacts.visibleRun(principal, rawRunId);
    if (!principal.scopes.includes(SCOPES.runWorkflows)) throw new DomainError(ErrorCode.Forbidden, `this needs the ${SCOPES.runWorkflows} scope`);
    return this.files.sign({ method: 'PUT', runId, path: normalizeArtifactPath(rawPath), disposition: null, uploader: principal.userId }, origin);
  }

  /** Step 2: the bytes PUT to a signed URL, recorded by Runstream on behalf of the user who asked for it. */
  async uploadSigned(rawRunId: string, rawPath: string, query: SignedQuery, upload: Upload, ids: IdSource) {
    const { runId, path, uploader } = this.files.verify('PUT', rawRunId, rawPath, query);
    return this.storeFile({ kind: 'system', id: `signed-upload:${uploader ?? 'unknown'}` }, runId, path, upload, ids);
  }

  /**
   * Bytes first, under a fresh object name; then RecordArtifact makes them part of the run. So
   * the metadata never precedes the bytes, and a failure anywhere leaves at most an unreferenced
   * object for the sweeper. A retry under the same Idempotency-Key reuses the artifact id and
   * command id: the first upload stays, the retry's bytes go.
   */
  private async storeFile(by: Principal | Actor, runId: string, path: string, upload: Upload, ids: IdSource): Promise<{ file: ArtifactRecord; created: boolean }> {
    const max = this.config.ARTIFACT_MAX_BYTES;
    if (upload.contentLength !== null && upload.contentLength > max)
      throw new DomainError(ErrorCode.PayloadTooLarge, `artifact exceeds ${max} bytes`);
    const contentType = (upload.contentType ?? 'application/octet-stream').trim();
    if (!CONTENT_TYPE.test(contentType)) throw new DomainError(ErrorCode.ValidationFailed, 'invalid Content-Type');
    // Looked up while the bytes flow; if the put fails first, their outcome no longer matters.
    const existed = this.artifacts.file(runId, path).then((row) => row !== null);
    const id = ids.reserve('artifactId', () => this.ids.next());
    existed.catch(() => undefined);
    id.catch(() => undefined);

    const objectName = `runs/${runId}/${randomUUID()}`;
    const limited = limitBytes(max);
    // Not pipeline(): on a refusal it would destroy the request, and with it the socket the 413 goes out on.
    upload.body.pipe(limited);
    upload.body.once('close', () => {
      if (!upload.body.readableEnded) limited.destroy(new Error('upload aborted by the client'));
    });
    const stored = await this.store.put(objectName, limited);
    const artifact: ArtifactDescriptor = {
      id: await id,
      kind: 'file',
      artifactType: 'file',
      title: null,
      path,
      objectName,
      contentType,
      size: stored.size,
      sha256: stored.sha256,
      isPinned: false,
    };
    try {
      const commandId = await ids.reserve('commandId', randomUUID);
      const reply = await this.bus.send({ type: 'RecordArtifact', data: { runId, artifact } }, by, { commandId });
      if (!reply.run) throw new DomainError(ErrorCode.Internal, 'the run service answered without the run');
      await this.projection.waitForRun(runId, reply.run.lastEventSequence);
      if (reply.replayed) {
        // Recorded by an earlier try with these ids: its file is the one; these bytes are spare.
        await this.store.remove(objectName).catch(() => undefined);
        const recorded = await this.artifacts.fileById(artifact.id);
        if (recorded) return { file: recorded, created: !(await existed) };
      }
      // The row the projector wrote from this command's event, built the same way (no re-read).
      return { file: artifactRecordOf(artifact, runId, reply.run.lastEventSequence, reply.run.updatedAt), created: !(await existed) };
    } catch (error) {
      await this.store.remove(objectName).catch(() => undefined);
      throw error;
    }
  }
}
