import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { controlCommand, travelmode } from '#dialects';
import { CurrentPrincipal, Ids, type IdSource, type Principal } from '#platform';
import { RunInteractionsService } from '../../runs/run-interactions.service';
import { RunsService } from '../../runs/runs.service';
import { AgentRunEventsQuery, AgentRunInputDto, ControlAgentRunDto, CreateAgentRunDto, ListAgentRunsQuery } from './agent-runs.dto';

const { views } = travelmode;

/** Travelmode Agent Runs API v1 (seeds 000–002): one line per route over the dialect-neutral use cases. */
@Controller('v1/agent-runs')
export class TravelmodeRunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly interactions: RunInteractionsService,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateAgentRunDto, @Ids() ids: IdSource) {
    return { run: views.run(await this.runs.create(principal, views.runRequest(body), ids)) };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() q: ListAgentRunsQuery) {
    return views.runPage(await this.runs.list(principal, { status: q.status, threadId: q.tripId, limit: q.limit, cursor: q.cursor }));
  }

  @Get(':runId')
  async get(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string) {
    return views.runDetail(await this.runs.getWithThread(principal, runId));
  }

  @Post(':runId/control')
  @HttpCode(200)
  async control(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Body() body: ControlAgentRunDto, @Ids() ids: IdSource) {
    return { run: views.run(await this.runs.command(principal, runId, controlCommand(body.action, body.reason), ids)) };
  }

  @Get(':runId/events')
  async events(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() q: AgentRunEventsQuery) {
    return views.eventPage(await this.runs.events(principal, runId, q.since, q.limit));
  }

  @Post(':runId/input')
  @HttpCode(200)
  async input(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Body() body: AgentRunInputDto, @Ids() ids: IdSource) {
    return { run: views.run(await this.interactions.input(principal, runId, body.content, ids)) };
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
    return { run: views.run(await this.interactions.signal(principal, runId, name, body, ids)) };
  }

  @Get(':runId/query/:name')
  async query(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Param('name') name: string) {
    return { name, result: await this.interactions.query(principal, runId, name) };
  }
}
