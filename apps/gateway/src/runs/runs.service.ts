import { CommandBus, ProjectionWaiter, type IdSource, type Principal } from '#platform';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, type CreateRun, type RunCommandBody, type RunCommandDraft, type RunSnapshot } from '#contracts';
import { runIdOf, runNotFound } from './run-id';
import { RunReadModel, type RunEventsPage, type RunFilter } from '../read-model/run-read-model';
import { ThreadReadModel } from '../read-model/thread-read-model';

/** Dialect-neutral run use cases; controllers map shapes, this decides nothing itself. */
@Injectable()
export class RunsService {
  constructor(
    private readonly bus: CommandBus,
    private readonly runs: RunReadModel,
    private readonly threads: ThreadReadModel,
    private readonly projection: ProjectionWaiter,
  ) {}

  async create(principal: Principal, input: Omit<CreateRun['data'], 'runId'>, ids: IdSource): Promise<RunSnapshot> {
    const runId = await ids.reserve('runId', randomUUID);
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send({ type: 'CreateRun', data: { runId, ...input } }, principal, { commandId });
    return this.settled(reply.run);
  }

  /** Sends a command about an existing run and answers once the read model shows its outcome. */
  async command(principal: Principal, rawRunId: string, command: RunCommandBody, ids: IdSource): Promise<RunSnapshot> {
    const runId = runIdOf(rawRunId);
    const commandId = await ids.reserve('commandId', randomUUID);
    const draft = { type: command.type, data: { ...command.data, runId } } as RunCommandDraft;
    const reply = await this.bus.send(draft, principal, { commandId });
    return this.settled(reply.run);
  }

  async get(principal: Principal, rawRunId: string): Promise<RunSnapshot> {
    const run = await this.runs.find(principal.userId, runIdOf(rawRunId));
    if (!run) throw runNotFound();
    return run;
  }

  /** The run and its thread's current revision (what a view compares the run's snapshot with). */
  async getWithThread(principal: Principal, rawRunId: string): Promise<{ run: RunSnapshot; threadRevision: number | null }> {
    const run = await this.get(principal, rawRunId);
    return { run, threadRevision: await this.threads.revisionOf(run.threadId) };
  }

  async events(principal: Principal, rawRunId: string, since: number, limit: number): Promise<RunEventsPage> {
    const page = await this.runs.events(principal.userId, runIdOf(rawRunId), since, limit);
    if (!page) throw runNotFound();
    return page;
  }

  list(principal: Principal, filter: RunFilter) {
    return this.runs.list(principal.userId, filter);
  }

  private async settled(run: RunSnapshot | undefined): Promise<RunSnapshot> {
    if (!run) throw new DomainError(ErrorCode.Internal, 'the run service answered without the run');
    await this.projection.waitForRun(run.id, run.lastEventSequence);
    return run;
  }
}
