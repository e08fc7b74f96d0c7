import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { threadRuns } from '#dialects';
import { CurrentPrincipal, Ids, type IdSource, type Principal } from '#platform';
import { RunInteractionsService } from '../../runs/run-interactions.service';
import { RunsService } from '../../runs/runs.service';
import { RunInputDto, RunsListQuery } from './thread-runs.dto';

const { views } = threadRuns;
const OK = { ok: true } as const;

/** Seed 003's runs: the org's list, one run, `:cancel`, input (the SSE events are the stream-service's). */
@Controller('v1/runs')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly interactions: RunInteractionsService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() q: RunsListQuery) {
    return (await this.runs.listInOrg(principal, { status: q.status, before: q.before, limit: q.limit })).runs.map(views.listItem);
  }

  @Get(':runId')
  async get(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string) {
    return views.detail(await this.runs.get(principal, runId));
  }

  @Post(':runId\\:cancel')
  @HttpCode(200)
  cancel(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Ids() ids: IdSource) {
    return this.runs.command(principal, runId, { type: 'CancelRun', data: {} }, ids).then(() => OK);
  }

  @Post(':runId/input')
  @HttpCode(200)
  input(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Body() body: RunInputDto, @Ids() ids: IdSource) {
    return this.interactions.input(principal, runId, body.content, ids).then(() => OK);
  }
}
