import { Controller, Get, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { vertesia } from '#dialects';
import { CONFIG, Ids, type IdSource, type Principal } from '#platform';
import { FileArtifactsService, type SignedQuery } from '../artifacts/file-artifacts.service';
import { FileUploadsService, type Upload } from '../artifacts/file-uploads.service';
import type { ArtifactServiceConfig } from '../config';
import { AcceptsSignedUrl, CurrentPrincipal, isSignedRequest, type ArtifactRequest } from './auth.guard';
import { sendObject } from './send-object';

const { views } = vertesia;

/**
 * The path after `/artifacts/` exactly as sent (still percent-encoded): the router's own decoding
 * would hide `%2F` and `%2e%2e` from the path checks.
 */
const rawPathOf = (req: Request) => {
  const pathname = req.originalUrl.split('?')[0] ?? '';
  return pathname.slice(pathname.indexOf('/artifacts/') + '/artifacts/'.length);
};

const query = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
const signedQuery = (req: Request): SignedQuery => ({
  expires: query(req, 'expires') ?? '',
  sig: query(req, 'sig') ?? '',
  disposition: query(req, 'disposition'),
  uploader: query(req, 'uploader'),
});
const originOf = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;
const flag = (req: Request, name: string) => query(req, name) === '1' || query(req, name) === 'true';

/**
 * An empty PUT that asks for JSON is step 1 of the official client's two-step upload (it wants a
 * signed upload URL back); any other PUT carries the file, an empty file included.
 */
const asksForUploadUrl = (req: Request) =>
  req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined && /^application\/json\b/.test(req.headers.accept ?? '');

/** Vertesia (seed 004) file artifacts: `/api/v1/agents/{runId}/artifacts[/{path}]`. */
@Controller('api/v1/agents')
export class FileArtifactsController {
  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    private readonly files: FileArtifactsService,
    private readonly uploads: FileUploadsService,
  ) {}

  /** Paths, as the official client reads them; `?details=true`: `{ path, size, content_type, sha256, created_at }` each. */
  @Get(':runId/artifacts')
  async list(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query('details') details?: string) {
    const files = await this.files.list(principal, runId);
    return details === 'true' || details === '1' ? files.map(views.file) : files.map((f) => f.path);
  }

  @Put(':runId/artifacts/*path')
  @AcceptsSignedUrl()
  async upload(@Param('runId') runId: string, @Req() req: ArtifactRequest, @Res() res: Response, @Ids() ids: IdSource) {
    // A stalled upload is aborted (its chunks purged) well before the sweeper's grace runs out.
    req.setTimeout(this.config.ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS, () => req.destroy());
    const length = req.headers['content-length'];
    const upload: Upload = { body: req, contentType: req.headers['content-type'], contentLength: length === undefined ? null : Number(length) };
    if (!isSignedRequest(req) && asksForUploadUrl(req)) {
      res.status(200).json(await this.uploads.uploadUrl(req.principal as Principal, runId, rawPathOf(req), originOf(req)));
      return;
    }
    const { file, created } = isSignedRequest(req)
      ? await this.uploads.uploadSigned(runId, rawPathOf(req), signedQuery(req), upload, ids)
      : await this.uploads.upload(req.principal as Principal, runId, rawPathOf(req), upload, ids);
    res.status(created ? 201 : 200).json(views.file(file));
  }

  @Get(':runId/artifacts/*path')
  @AcceptsSignedUrl()
  async get(@Param('runId') runId: string, @Req() req: ArtifactRequest, @Res() res: Response) {
    const path = rawPathOf(req);
    if (isSignedRequest(req)) return sendObject(req, res, await this.files.downloadSigned(req.method, runId, path, signedQuery(req)), query(req, 'disposition'));
    const principal = req.principal as Principal;
    if (flag(req, 'url')) return void res.json(await this.files.signedUrl(principal, runId, path, originOf(req), query(req, 'disposition')));
    return sendObject(req, res, await this.files.download(principal, runId, path), query(req, 'disposition'));
  }
}
