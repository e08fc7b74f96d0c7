import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { threadRuns } from '#dialects';
import { CurrentPrincipal, Ids, type IdSource, type Principal } from '#platform';
import { RunsService } from '../../runs/runs.service';
import { ThreadsService, parseThreadId } from '../../threads/threads.service';
import { personaOf } from './persona';
import { CreateThreadRunDto, ThreadMessageDto, ThreadMessagesQuery, ThreadRunsQuery } from './thread-runs.dto';

const { views } = threadRuns;

/** Seed 003 on the native threads: runs over a thread, and the thread's messages (one thread, seen through both APIs). */
@Controller('v1/threads')
export class ThreadRunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly threads: ThreadsService,
  ) {}

  @Post(':threadId/runs')
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string, @Body() body: CreateThreadRunDto, @Ids() ids: IdSource) {
    return views.created(await this.runs.create(principal, views.runRequest(parseThreadId(threadId), body, personaOf(body.persona_id)), ids));
  }

  @Get(':threadId/runs')
  async list(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string, @Query() q: ThreadRunsQuery) {
    return (await this.runs.listInThread(principal, parseThreadId(threadId), q.limit)).runs.map(views.threadRun);
  }

  @Post(':threadId/messages')
  @HttpCode(201)
  async append(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string, @Body() body: ThreadMessageDto, @Ids() ids: IdSource) {
    return views.message(await this.threads.appendMessage(principal, parseThreadId(threadId), body.content, ids));
  }

  @Get(':threadId/messages')
  async messages(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string, @Query() q: ThreadMessagesQuery) {
    return (await this.threads.messages(principal, parseThreadId(threadId), q.after, q.limit)).map(views.message);
  }
}
