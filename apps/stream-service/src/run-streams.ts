import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, ErrorCode, MAX_INT32, canSee, canonicalRunId } from '#contracts';
import type { DialectBase, ResumePoint } from '#dialects';
import { LOGGER, RateLimits, StreamQuota, TokenVerifier, ValidationFailedError, toHttpError } from '#platform';
import { RunHistory } from './run-history';
import { SseSessions } from './sse-sessions';

/** A non-negative integer query parameter or header (absent: 0). */
export function sequenceParam(raw: unknown, name: string): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n > MAX_INT32) throw new ValidationFailedError([`${name} must be a non-negative integer`]);
  return n;
}

/**
 * Opens a run's stream in a dialect: its credentials, the run visible to the caller, the resume
 * point, then the dialect's frames. Everything that can go wrong before the stream starts is an
 * ordinary HTTP error in the dialect's error body.
 */
@Injectable()
export class RunStreams {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly history: RunHistory,
    private readonly sessions: SseSessions,
    private readonly limits: RateLimits,
    private readonly quota: StreamQuota,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async open(dialect: DialectBase, req: Request, res: Response, rawRunId: string, resume: () => ResumePoint): Promise<void> {
    try {
      const principal = await this.verifier.authenticate(req.headers, dialect.streamAuth, req.query);
      await this.limits.take(principal);
      const point = resume();
      const runId = canonicalRunId(rawRunId);
      const run = runId === null ? null : await this.history.run(runId);
      if (!run || !canSee({ ownerId: run.userId, ...run }, principal)) throw new DomainError(ErrorCode.RunNotFound, 'run not found');
      // Held until the response closes, however the stream ends.
      res.on('close', this.quota.acquire(principal));
      if ('afterSequence' in point) return await this.sessions.open(res, run, point.afterSequence, dialect.sse, principal);
      // The projected event at or before the instant: the session skips what is still not after it.
      await this.sessions.open(res, run, await this.history.sequenceAt(run.id, point.afterTime), dialect.sse, principal, point.afterTime);
    } catch (error) {
      if (res.headersSent) {
        this.logger.warn({ err: error }, 'stream failed after it started');
        res.end();
        return;
      }
      const { status, body, headers } = toHttpError(error, req.originalUrl);
      if (status >= 500) this.logger.error({ err: error }, 'stream request failed');
      res.status(status).set(headers).json(body);
    }
  }
}
