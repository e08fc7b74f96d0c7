import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { vertesia } from '#dialects';
import { CurrentPrincipal, Ids, type IdSource, type Principal } from '#platform';
import { AgentCatalog } from '../../agents/agent-catalog';
import { RunInteractionsService } from '../../runs/run-interactions.service';
import { RunsService } from '../../runs/runs.service';
import { CreateAgentRunDto, ForkQuery, ListAgentRunsQuery, TerminateQuery, UpdatesQuery } from './agents.dto';

const { views } = vertesia;
/** Messages one `/updates` answer carries at most (the stream has the rest). */
const UPDATES_LIMIT = 5_000;

/** Vertesia Agent Runs (seed 004), `/api/v1/agents`: one line per route over the dialect-neutral use cases. */
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly runs: RunsService,
    private readonly interactions: RunInteractionsService,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateAgentRunDto, @Ids() ids: IdSource) {
    return views.run(await this.runs.create(principal, views.runRequest(body), ids));
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() q: ListAgentRunsQuery) {
    return views.page(await this.runs.listInProject(principal, views.listFilter(q)));
  }

  @Get(':runId')
  async get(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string) {
    return views.run(await this.runs.get(principal, runId));
  }

  @Delete(':runId')
  @HttpCode(200)
  async terminate(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() q: TerminateQuery, @Body() body: unknown, @Ids() ids: IdSource) {
    const reason = views.terminateReason(q, body);
    return views.terminated(await this.runs.command(principal, runId, { type: 'CancelRun', data: reason === undefined ? {} : { reason } }, ids));
  }

  @Post(':runId/restart')
  @HttpCode(200)
  async restart(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Ids() ids: IdSource) {
    return views.run(await this.runs.command(principal, runId, { type: 'RestartRun', data: {} }, ids));
  }

  @Post(':runId/fork')
  @HttpCode(201)
  async fork(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() q: ForkQuery, @Body() body: unknown, @Ids() ids: IdSource) {
    return views.run(await this.runs.fork(principal, runId, views.forkSequence(q, body), ids));
  }

  @Post(':runId/signal/:name')
  @HttpCode(200)
  signal(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Param('name') name: string, @Body() body: unknown, @Ids() ids: IdSource) {
    return this.interactions.signal(principal, runId, name, body, ids).then(() => views.signalled(name));
  }

  @Get(':runId/query/:name')
  async query(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Param('name') name: string) {
    return views.queryResult(name, await this.interactions.query(principal, runId, name));
  }

  @Get(':runId/updates')
  async updates(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query() q: UpdatesQuery) {
    return views.updates(runId.toLowerCase(), await this.runs.eventsAfterClock(principal, runId, q.since, UPDATES_LIMIT));
  }
}

/** `GET /api/v1/interactions`: the agents and versions workers registered. */
@Controller('api/v1/interactions')
export class InteractionsController {
  constructor(private readonly agents: AgentCatalog) {}

  @Get()
  list() {
    return this.agents.list().map(views.interaction);
  }
}
