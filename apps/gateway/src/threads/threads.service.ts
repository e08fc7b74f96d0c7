import { CommandBus, ProjectionWaiter, type IdSource, type Principal } from '#platform';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, MAX_INT32, type ThreadSnapshot, type Visibility } from '#contracts';
import { ThreadReadModel } from '../read-model/thread-read-model';
import { ThreadIds } from './thread-ids';

const threadNotFound = () => new DomainError(ErrorCode.ThreadNotFound, 'thread not found');

export const parseThreadId = (raw: string): number => {
  const id = Number(raw);
  if (!/^[1-9][0-9]{0,9}$/.test(raw) || id > MAX_INT32) throw threadNotFound();
  return id;
};

@Injectable()
export class ThreadsService {
  constructor(
    private readonly bus: CommandBus,
    private readonly threads: ThreadReadModel,
    private readonly projection: ProjectionWaiter,
    private readonly threadIds: ThreadIds,
  ) {}

  async create(
    principal: Principal,
    input: { title?: string | null; metadata?: Record<string, unknown>; visibility?: Visibility },
    ids: IdSource,
  ) {
    const threadId = await ids.reserve('threadId', () => this.threadIds.next());
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send({ type: 'CreateThread', data: { threadId, ...input } }, principal, { commandId });
    return this.settled(reply.thread);
  }

  async update(
    principal: Principal,
    threadId: number,
    input: { title?: string | null; metadata?: Record<string, unknown> },
    ids: IdSource,
  ) {
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send({ type: 'UpdateThread', data: { threadId, ...input } }, principal, { commandId });
    return this.settled(reply.thread);
  }

  async get(principal: Principal, threadId: number): Promise<ThreadSnapshot> {
    const thread = await this.threads.find(principal, threadId);
    if (!thread) throw threadNotFound();
    return thread;
  }

  /** A user's message in a thread they may see; answers once the read model shows it. */
  async appendMessage(principal: Principal, threadId: number, content: string, ids: IdSource) {
    const messageId = await ids.reserve('messageId', randomUUID);
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send({ type: 'AppendThreadMessage', data: { threadId, messageId, role: 'user', content } }, principal, { commandId });
    await this.settled(reply.thread);
    const message = await this.threads.message(threadId, messageId);
    if (!message) throw new DomainError(ErrorCode.Unavailable, 'the message is not readable yet; list the thread to see it');
    return message;
  }

  /** A visible thread's messages after a position. */
  async messages(principal: Principal, threadId: number, after: number, limit: number) {
    await this.get(principal, threadId);
    return this.threads.messages(threadId, after, limit);
  }

  list(principal: Principal, limit: number, cursor?: string) {
    return this.threads.list(principal, limit, cursor);
  }

  private async settled(thread: ThreadSnapshot | undefined): Promise<ThreadSnapshot> {
    if (!thread) throw new DomainError(ErrorCode.Internal, 'the run service answered without the thread');
    await this.projection.waitForThread(thread.id, thread.lastEventSequence);
    return thread;
  }
}
