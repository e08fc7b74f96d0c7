import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { RunInteractionsService } from '../../runs/run-interactions.service';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import type { IdSource } from '../../idempotency/id-source';
import { Ids } from '../../idempotency/ids.decorator';
import { RunsService } from '../../runs/runs.service';
import { AgentRunEventsQuery, AgentRunInputDto, ControlAgentRunDto, CreateAgentRunDto, ListAgentRunsQuery } from './travelmode.dto';
import { travelmodeArtifactSummaries, travelmodeEvent, travelmodeRun } from '#dialects';

/** Travelmode Agent Runs API v1 (seeds 000–002): camelCase, no envelope, `{ "error": … }`. */
@Controller('v1/agent-runs')
export class TravelmodeRunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly interactions: RunInteractionsService,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateAgentRunDto, @Ids() ids: IdSource) {
    const run = await this.runs.create(principal, { threadId: body.tripId, triggerMessage: body.triggerMessage, agent: body.agent }, ids);
    return { run: travelmodeRun(run) };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListAgentRunsQuery) {
    const { runs, nextCursor } = await this.runs.list(principal, {
      status: query.status,
      threadId: query.tripId,
      limit: query.limit,
      cursor: query.cursor,
    });
    return { runs: runs.map((run) => travelmodeRun(run)), nextCursor };
  }

  @Get(':runId')
  async get(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string) {
    const { run, revisionDrift } = await this.runs.get(principal, runId);
    return { run: travelmodeRun(run), artifacts: travelmodeArtifactSummaries(run), revisionDrift };
  }

  @Post(':runId/control')
  @HttpCode(200)
  async control(
    @CurrentPrincipal() principal: Principal,
    @Param('runId') runId: string,
    @Body() body: ControlAgentRunDto,
    @Ids() ids: IdSource,
  ) {
    return { run: travelmodeRun(await this.runs.act(principal, runId, body.action, body.reason, ids)) };
  }

  @Get(':runId/events')
  async events(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() query: AgentRunEventsQuery) {
    const page = await this.runs.events(principal, runId, query.since, query.limit);
    return { events: page.events.map(travelmodeEvent), runStatus: page.status, currentPhase: page.phase };
  }

  @Post(':runId/input')
  @HttpCode(200)
  async input(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Body() body: AgentRunInputDto, @Ids() ids: IdSource) {
    return { run: travelmodeRun(await this.interactions.input(principal, runId, body.content, ids)) };
  }

  @Post(':runId/signal/:name')
  @HttpCode(200)
  async signal(
    @CurrentPrincipal() principal: Principal,
    @Param('runId') runId: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Ids() ids: IdSource,
  ) {
    return { run: travelmodeRun(await this.interactions.signal(principal, runId, name, body, ids)) };
  }

  @Get(':runId/query/:name')
  async query(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Param('name') name: string) {
    return { name, result: await this.interactions.query(principal, runId, name) };
  }
}
