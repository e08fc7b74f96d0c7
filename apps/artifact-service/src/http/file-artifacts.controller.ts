import { Controller, Get, Inject, Param, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CONFIG, type Principal } from '#platform';
import { fileArtifactView as fileView } from '#dialects';
import { FileArtifactsService, type SignedQuery } from '../artifacts/file-artifacts.service';
import type { ArtifactServiceConfig } from '../config';
import { AcceptsSignedUrl, CurrentPrincipal, isSignedRequest, type ArtifactRequest } from './auth.guard';
import { sendObject } from './send-object';

/**
 * The path after `/artifacts/` exactly as sent (still percent-encoded): the router's own decoding
 * would hide `%2F` and `%2e%2e` from the path checks.
 */
const rawPathOf = (req: Request) => {
  const pathname = req.originalUrl.split('?')[0] ?? '';
  return pathname.slice(pathname.indexOf('/artifacts/') + '/artifacts/'.length);
};

const query = (req: Request, name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);

/** Vertesia (seed 004) file artifacts: `/api/v1/agents/{runId}/artifacts[/{path}]`. */
@Controller('api/v1/agents')
export class FileArtifactsController {
  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    private readonly files: FileArtifactsService,
  ) {}

  @Get(':runId/artifacts')
  async list(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string) {
    return (await this.files.list(principal, runId)).map(fileView);
  }

  @Put(':runId/artifacts/*path')
  async upload(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Req() req: Request, @Res() res: Response) {
    // A stalled upload is aborted (its chunks purged) well before the sweeper's grace runs out.
    req.setTimeout(this.config.ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS, () => req.destroy());
    const length = req.headers['content-length'];
    const { file, created } = await this.files.upload(principal, runId, rawPathOf(req), {
      body: req,
      contentType: req.headers['content-type'],
      contentLength: length === undefined ? null : Number(length),
    });
    res.status(created ? 201 : 200).json(fileView(file));
  }

  @Get(':runId/artifacts/*path')
  @AcceptsSignedUrl()
  async get(@Param('runId') runId: string, @Req() req: ArtifactRequest, @Res() res: Response) {
    const path = rawPathOf(req);
    if (isSignedRequest(req)) {
      const signed = { expires: query(req, 'expires') ?? '', sig: query(req, 'sig') ?? '', disposition: query(req, 'disposition') };
      const download = await this.files.downloadSigned(req.method, runId, path, signed as SignedQuery);
      return sendObject(req, res, download, signed.disposition);
    }
    const principal = req.principal as Principal;
    if (query(req, 'url') === '1' || query(req, 'url') === 'true') {
      const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
      res.json(await this.files.signedUrl(principal, runId, path, origin, query(req, 'disposition')));
      return;
    }
    return sendObject(req, res, await this.files.download(principal, runId, path), query(req, 'disposition'));
  }
}
