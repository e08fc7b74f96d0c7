import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { travelmode } from '#dialects';
import { CurrentPrincipal, Ids, type IdSource, type Principal } from '#platform';
import { ThreadsService, parseThreadId } from '../../threads/threads.service';
import { CreateThreadDto, ListThreadsQuery, UpdateThreadDto } from './threads.dto';

const { views } = travelmode;

/** Threads: the context a run works over (Travelmode calls them trips). */
@Controller('v1/threads')
export class ThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateThreadDto, @Ids() ids: IdSource) {
    return { thread: views.thread(await this.threads.create(principal, body, ids)) };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListThreadsQuery) {
    return views.threadPage(await this.threads.list(principal, query.limit, query.cursor));
  }

  @Get(':threadId')
  async get(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string) {
    return { thread: views.thread(await this.threads.get(principal, parseThreadId(threadId))) };
  }

  @Patch(':threadId')
  @HttpCode(200)
  async update(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string, @Body() body: UpdateThreadDto, @Ids() ids: IdSource) {
    return { thread: views.thread(await this.threads.update(principal, parseThreadId(threadId), body, ids)) };
  }
}
