import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MAX_INT32 } from '#contracts';
import { vertesia, type ResumePoint } from '#dialects';
import { ValidationFailedError } from '#platform';
import { RunStreams, sequenceParam } from '../run-streams';

/** Epoch milliseconds (`since`); absent: null. */
function instantParam(raw: unknown): number | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) throw new ValidationFailedError(['since must be epoch milliseconds']);
  return Number(raw);
}

/**
 * Where a Vertesia stream resumes: Last-Event-ID (a sequence) when the EventSource reconnects by
 * itself; else after `since` (epoch ms of the run's event clock); else from the start, or from now
 * when `skipHistory=true` (the official client first read `/updates`).
 */
export function vertesiaResumePoint(req: Request): ResumePoint {
  const lastEventId = req.header('last-event-id');
  if (lastEventId !== undefined && lastEventId !== '') return { afterSequence: sequenceParam(lastEventId, 'Last-Event-ID') };
  const since = instantParam(req.query.since);
  if (since !== null) return { afterTime: since };
  return { afterSequence: req.query.skipHistory === 'true' ? MAX_INT32 : 0 };
}

/** `GET /api/v1/agents/{id}/stream` (seed 004): messages as SSE; the token may come as `access_token`. */
@Controller('api/v1/agents')
export class VertesiaStreamController {
  constructor(private readonly streams: RunStreams) {}

  @Get(':runId/stream')
  stream(@Req() req: Request, @Res() res: Response, @Param('runId') runId: string): Promise<void> {
    return this.streams.open(vertesia, req, res, runId, () => vertesiaResumePoint(req));
  }
}
