import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, ErrorCode, MAX_INT32, canonicalRunId } from '#contracts';
import { LOGGER, TokenVerifier, ValidationFailedError, toHttpError } from '#platform';
import { RunHistory } from './run-history';
import { SseSessions } from './sse-sessions';

/** `since` and `Last-Event-ID` (a browser's automatic reconnect): the larger wins. */
function resumePoint(since: unknown, lastEventId: string | undefined): number {
  const parse = (raw: unknown, name: string): number => {
    if (raw === undefined || raw === '') return 0;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n > MAX_INT32)
      throw new ValidationFailedError([`${name} must be a non-negative integer`]);
    return n;
  };
  return Math.max(parse(since, 'since'), parse(lastEventId, 'Last-Event-ID'));
}

/**
 * `GET /v1/agent-runs/{runId}/stream?since=N` (seed 002): cookie-only, owner-only. Everything that
 * can go wrong before the stream starts is an ordinary HTTP error with `{ "error": … }`.
 */
@Controller('v1/agent-runs')
export class TravelmodeStreamController {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly history: RunHistory,
    private readonly sessions: SseSessions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':runId/stream')
  async stream(@Req() req: Request, @Res() res: Response, @Param('runId') rawRunId: string): Promise<void> {
    try {
      const principal = await this.verifier.authenticate(req.headers, { cookieOnly: true });
      const since = resumePoint(req.query.since, req.header('last-event-id'));
      const runId = canonicalRunId(rawRunId);
      const run = runId === null ? null : await this.history.run(runId);
      if (!run || run.userId !== principal.userId) throw new DomainError(ErrorCode.RunNotFound, 'run not found');
      await this.sessions.open(res, run, since);
    } catch (error) {
      if (res.headersSent) {
        this.logger.warn({ err: error }, 'stream failed after it started');
        res.end();
        return;
      }
      const { status, body } = toHttpError(error);
      if (status >= 500) this.logger.error({ err: error }, 'stream request failed');
      res.status(status).json(body);
    }
  }
}
