import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { travelmode } from '#dialects';
import { RunStreams, sequenceParam } from '../run-streams';

/** `GET /v1/agent-runs/{runId}/stream?since=N` (seed 002): `since` or Last-Event-ID, the larger wins. */
@Controller('v1/agent-runs')
export class TravelmodeStreamController {
  constructor(private readonly streams: RunStreams) {}

  @Get(':runId/stream')
  stream(@Req() req: Request, @Res() res: Response, @Param('runId') runId: string): Promise<void> {
    return this.streams.open(travelmode, req, res, runId, () => ({
      afterSequence: Math.max(sequenceParam(req.query.since, 'since'), sequenceParam(req.header('last-event-id'), 'Last-Event-ID')),
    }));
  }
}
