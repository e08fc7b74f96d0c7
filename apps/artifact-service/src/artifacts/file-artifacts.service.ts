import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DomainError, ErrorCode, canonicalRunId, type ArtifactDescriptor, type RunSnapshot } from '#contracts';
import { artifactRecordOf, type ArtifactRecord } from '#persistence';
import { CONFIG, CommandBus, ProjectionWaiter, type Principal } from '#platform';
import type { ArtifactServiceConfig } from '../config';
import { ArtifactStore, type ByteRange } from '../storage/artifact-store';
import { ArtifactIds } from './artifact-ids';
import { encodeArtifactPath, normalizeArtifactPath } from './artifact-path';
import { ArtifactReadModel } from './artifact-read-model';
import { limitBytes } from './limit-bytes';
import { UrlSigner, type Disposition } from './signed-urls';

export interface Upload {
  body: Readable;
  contentType: string | undefined;
  contentLength: number | null;
}

/** What a download needs: the row, and a way to read its bytes. */
export interface Download {
  file: ArtifactRecord;
  read(range?: ByteRange): AsyncIterable<Uint8Array>;
}

export interface SignedQuery {
  expires: string;
  sig: string;
  disposition?: string;
}

const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;
const DISPOSITIONS: Disposition[] = ['inline', 'attachment'];

/** Vertesia path-addressed files: upload, list, download, signed URLs. */
@Injectable()
export class FileArtifactsService {
  private readonly signer: UrlSigner;

  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    private readonly store: ArtifactStore,
    private readonly artifacts: ArtifactReadModel,
    private readonly ids: ArtifactIds,
    private readonly bus: CommandBus,
    private readonly projection: ProjectionWaiter,
  ) {
    this.signer = new UrlSigner(config.ARTIFACT_URL_SECRET);
  }

  /**
   * Bytes first, under a fresh object name; then RecordArtifact makes them part of the run. So
   * the metadata never precedes the bytes, and a failure anywhere leaves at most an unreferenced
   * object for the sweeper. Returns whether the path was new.
   */
  async upload(principal: Principal, rawRunId: string, rawPath: string, upload: Upload) {
    const runId = await this.artifacts.ownedRun(principal.userId, rawRunId);
    const path = normalizeArtifactPath(rawPath);
    const max = this.config.ARTIFACT_MAX_BYTES;
    if (upload.contentLength !== null && upload.contentLength > max)
      throw new DomainError(ErrorCode.PayloadTooLarge, `artifact exceeds ${max} bytes`);
    const contentType = (upload.contentType ?? 'application/octet-stream').trim();
    if (!CONTENT_TYPE.test(contentType)) throw new DomainError(ErrorCode.ValidationFailed, 'invalid Content-Type');
    // Looked up while the bytes flow.
    const existed = this.artifacts.file(runId, path).then((row) => row !== null);
    const id = this.ids.next();
    // Awaited below; if the put fails first, their outcome no longer matters.
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
    let run: RunSnapshot;
    try {
      const reply = await this.bus.send({ type: 'RecordArtifact', data: { runId, artifact } }, principal);
      if (!reply.run) throw new DomainError(ErrorCode.Internal, 'the run service answered without the run');
      run = reply.run;
      await this.projection.waitForRun(runId, run.lastEventSequence);
    } catch (error) {
      await this.store.remove(objectName).catch(() => undefined);
      throw error;
    }
    // The row the projector wrote from this command's event, built the same way (no re-read).
    const file = artifactRecordOf(artifact, runId, run.lastEventSequence, run.updatedAt);
    return { file, created: !(await existed) };
  }

  async list(principal: Principal, rawRunId: string): Promise<ArtifactRecord[]> {
    return this.artifacts.files(await this.artifacts.ownedRun(principal.userId, rawRunId));
  }

  async download(principal: Principal, rawRunId: string, rawPath: string): Promise<Download> {
    const file = await this.artifacts.ownedFile(principal.userId, rawRunId, normalizeArtifactPath(rawPath));
    return { file, read: (range) => this.store.read(file.objectName, range) };
  }

  /** A download by signed URL: no credentials; the signature is the grant. */
  async downloadSigned(method: string, rawRunId: string, rawPath: string, query: SignedQuery): Promise<Download> {
    const runId = canonicalRunId(rawRunId) ?? rawRunId;
    const path = normalizeArtifactPath(rawPath);
    const disposition = (query.disposition ?? null) as Disposition | null;
    this.signer.verify({ method, runId, path, expires: Number(query.expires), disposition }, query.sig);
    return this.open(runId, path);
  }

  async signedUrl(principal: Principal, rawRunId: string, rawPath: string, origin: string, disposition?: string) {
    const runId = await this.artifacts.ownedRun(principal.userId, rawRunId);
    const path = normalizeArtifactPath(rawPath);
    if (disposition !== undefined && !DISPOSITIONS.includes(disposition as Disposition))
      throw new DomainError(ErrorCode.ValidationFailed, 'disposition must be inline or attachment');
    await this.open(runId, path);
    const expires = Math.floor(Date.now() / 1000) + this.config.ARTIFACT_URL_TTL_SECONDS;
    const grant = { method: 'GET', runId, path, expires, disposition: (disposition ?? null) as Disposition | null };
    const query = new URLSearchParams({ expires: String(expires), ...(disposition ? { disposition } : {}) });
    query.set('sig', this.signer.sign(grant));
    const base = (this.config.ARTIFACT_PUBLIC_URL ?? origin).replace(/\/$/, '');
    return {
      url: `${base}/api/v1/agents/${runId}/artifacts/${encodeArtifactPath(path)}?${query.toString()}`,
      expires_at: new Date(expires * 1000).toISOString(),
    };
  }

  private async open(runId: string, path: string): Promise<Download> {
    const file = await this.artifacts.file(runId, path);
    if (!file) throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact not found');
    return { file, read: (range) => this.store.read(file.objectName, range) };
  }
}
