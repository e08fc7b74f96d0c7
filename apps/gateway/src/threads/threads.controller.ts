import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import type { ThreadSnapshot } from '#contracts';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import type { IdSource } from '../idempotency/id-source';
import { Ids } from '../idempotency/ids.decorator';
import { CreateThreadDto, ListThreadsQuery, UpdateThreadDto } from './threads.dto';
import { ThreadsService, parseThreadId } from './threads.service';

const view = (t: ThreadSnapshot) => ({
  id: t.id,
  ownerId: t.ownerId,
  title: t.title,
  metadata: t.metadata,
  revision: t.revision,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

/** Threads: the context a run works over (Travelmode calls them trips). */
@Controller('v1/threads')
export class ThreadsController {
  constructor(private readonly threads: ThreadsService) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateThreadDto, @Ids() ids: IdSource) {
    return { thread: view(await this.threads.create(principal, body, ids)) };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListThreadsQuery) {
    const { threads, nextCursor } = await this.threads.list(principal, query.limit, query.cursor);
    return { threads: threads.map(view), nextCursor };
  }

  @Get(':threadId')
  async get(@CurrentPrincipal() principal: Principal, @Param('threadId') threadId: string) {
    return { thread: view(await this.threads.get(principal, parseThreadId(threadId))) };
  }

  @Patch(':threadId')
  @HttpCode(200)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('threadId') threadId: string,
    @Body() body: UpdateThreadDto,
    @Ids() ids: IdSource,
  ) {
    return { thread: view(await this.threads.update(principal, parseThreadId(threadId), body, ids)) };
  }
}
