import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { threadRuns } from '#dialects';
import { RunStreams, sequenceParam } from '../run-streams';

/** `GET /v1/runs/{run_id}/events?after_seq=N` (seed 003): `after_seq` or Last-Event-ID, the larger wins. */
@Controller('v1/runs')
export class ThreadRunsStreamController {
  constructor(private readonly streams: RunStreams) {}

  @Get(':runId/events')
  stream(@Req() req: Request, @Res() res: Response, @Param('runId') runId: string): Promise<void> {
    return this.streams.open(threadRuns, req, res, runId, () => ({
      afterSequence: Math.max(sequenceParam(req.query.after_seq, 'after_seq'), sequenceParam(req.header('last-event-id'), 'Last-Event-ID')),
    }));
  }
}
