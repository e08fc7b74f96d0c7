import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, canonicalRunId } from '#contracts';
import type { ArtifactRecord } from '#persistence';
import { CONFIG, type Principal } from '#platform';
import type { ArtifactServiceConfig } from '../config';
import { ArtifactStore, type ByteRange } from '../storage/artifact-store';
import { encodeArtifactPath, normalizeArtifactPath } from './artifact-path';
import { ArtifactReadModel } from './artifact-read-model';
import { UrlSigner, type Disposition, type SignedGrant } from './signed-urls';

/** What a download needs: the row, and a way to read its bytes. */
export interface Download {
  file: ArtifactRecord;
  read(range?: ByteRange): AsyncIterable<Uint8Array>;
}

export interface SignedQuery {
  expires: string;
  sig: string;
  disposition?: string;
  uploader?: string;
}

const DISPOSITIONS: Disposition[] = ['inline', 'attachment'];

/** Vertesia path-addressed files: list, download, signed URLs (uploads: FileUploadsService). */
@Injectable()
export class FileArtifactsService {
  private readonly signer: UrlSigner;

  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    private readonly store: ArtifactStore,
    private readonly artifacts: ArtifactReadModel,
  ) {
    this.signer = new UrlSigner(config.ARTIFACT_URL_SECRET);
  }

  async list(principal: Principal, rawRunId: string): Promise<ArtifactRecord[]> {
    return this.artifacts.files(await this.artifacts.visibleRun(principal, rawRunId));
  }

  async download(principal: Principal, rawRunId: string, rawPath: string): Promise<Download> {
    const file = await this.artifacts.visibleFile(principal, rawRunId, normalizeArtifactPath(rawPath));
    return { file, read: (range) => this.store.read(file.objectName, range) };
  }

  /** A download by signed URL: no credentials; the signature is the grant. */
  async downloadSigned(method: string, rawRunId: string, rawPath: string, query: SignedQuery): Promise<Download> {
    const { runId, path } = this.verify(method, rawRunId, rawPath, query);
    return this.open(runId, path);
  }

  /** A signed, expiring GET URL of one file: `{ url, path, expires_at }`. */
  async signedUrl(principal: Principal, rawRunId: string, rawPath: string, origin: string, disposition?: string) {
    const runId = await this.artifacts.visibleRun(principal, rawRunId);
    const path = normalizeArtifactPath(rawPath);
    if (disposition !== undefined && !DISPOSITIONS.includes(disposition as Disposition))
      throw new DomainError(ErrorCode.ValidationFailed, 'disposition must be inline or attachment');
    await this.open(runId, path);
    return this.sign({ method: 'GET', runId, path, disposition: (disposition ?? null) as Disposition | null }, origin);
  }

  /** A signed URL for `grant` (its expiry added), on the public origin. */
  sign(grant: Omit<SignedGrant, 'expires'>, origin: string) {
    const expires = Math.floor(Date.now() / 1000) + this.config.ARTIFACT_URL_TTL_SECONDS;
    const query = new URLSearchParams({ expires: String(expires), ...(grant.disposition ? { disposition: grant.disposition } : {}) });
    if (grant.uploader) query.set('uploader', grant.uploader);
    query.set('sig', this.signer.sign({ ...grant, expires }));
    const base = (this.config.ARTIFACT_PUBLIC_URL ?? origin).replace(/\/$/, '');
    return {
      url: `${base}/api/v1/agents/${grant.runId}/artifacts/${encodeArtifactPath(grant.path)}?${query.toString()}`,
      path: grant.path,
      expires_at: new Date(expires * 1000).toISOString(),
    };
  }

  /** Throws FORBIDDEN unless the signature grants this method on this file now. */
  verify(method: string, rawRunId: string, rawPath: string, query: SignedQuery): { runId: string; path: string; uploader: string | undefined } {
    const runId = canonicalRunId(rawRunId) ?? rawRunId;
    const path = normalizeArtifactPath(rawPath);
    const disposition = (query.disposition ?? null) as Disposition | null;
    this.signer.verify({ method, runId, path, expires: Number(query.expires), disposition, uploader: query.uploader }, query.sig);
    return { runId, path, uploader: query.uploader };
  }

  private async open(runId: string, path: string): Promise<Download> {
    const file = await this.artifacts.file(runId, path);
    if (!file) throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact not found');
    return { file, read: (range) => this.store.read(file.objectName, range) };
  }
}
