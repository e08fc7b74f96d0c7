import { CONFIG, CommandBus, ProjectionWaiter, ValidationFailedError, currentTraceId, type IdSource, type Principal } from '#platform';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, canonicalRunId, type RunCommandBody, type RunCommandDraft, type RunSnapshot, type RunStatus } from '#contracts';
import { AgentCatalog } from '../agents/agent-catalog';
import type { GatewayConfig } from '../config';
import { selectTools, type RunRequest } from './run-request';
import { runIdOf, runNotFound } from './run-id';
import { RunReadModel, type ProjectRunFilter, type RunEventsPage, type RunFilter, type VisibleRunFilter } from '../read-model/run-read-model';
import { ThreadReadModel } from '../read-model/thread-read-model';

/** Dialect-neutral run use cases; controllers map shapes, this decides nothing itself. */
@Injectable()
export class RunsService {
  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    private readonly agents: AgentCatalog,
    private readonly bus: CommandBus,
    private readonly runs: RunReadModel,
    private readonly threads: ThreadReadModel,
    private readonly projection: ProjectionWaiter,
  ) {}

  /**
   * A new run: its agent version resolved from the registry (its declared phases and defaults
   * come with it), bound to the request's trace.
   */
  async create(principal: Principal, request: RunRequest, ids: IdSource): Promise<RunSnapshot> {
    const name = request.agent ?? this.config.DEFAULT_AGENT;
    const agent = await this.agents.resolve(name, request.version ?? null, request.lenientAgent ?? false);
    if (!agent) throw new DomainError(ErrorCode.AgentNotFound, `no agent ${name}${request.version ? `@${request.version}` : ''} is registered`);
    const registration = agent.registration;
    const runId = await ids.reserve('runId', randomUUID);
    const commandId = await ids.reserve('commandId', randomUUID);
    const traceId = currentTraceId();
    const reply = await this.bus.send(
      {
        type: 'CreateRun',
        data: {
          runId,
          threadId: request.threadId ?? null,
          agent: agent.name,
          agentVersion: agent.version,
          phases: registration?.phases ?? [],
          autoStart: request.autoStart ?? false,
          ...(request.visibility ? { visibility: request.visibility } : {}),
          input: request.input ?? {},
          options: {
            model: registration?.model ?? null,
            environment: registration?.environment ?? null,
            ...request.options,
            tools: selectTools(registration?.tools ?? [], request.tools),
          },
          labels: request.labels ?? {},
          ...(traceId ? { traceId } : {}),
        },
      },
      principal,
      { commandId },
    );
    return this.settled(reply.run);
  }

  /** A new run continuing another's conversation (by reference) up to its event `sequence`. */
  async fork(principal: Principal, rawRunId: string, sequence: number | undefined, ids: IdSource): Promise<RunSnapshot> {
    const source = runIdOf(rawRunId);
    const runId = await ids.reserve('runId', randomUUID);
    const commandId = await ids.reserve('commandId', randomUUID);
    const traceId = currentTraceId();
    const forkOf = sequence === undefined ? { runId: source } : { runId: source, sequence };
    const reply = await this.bus.send(
      { type: 'CreateRun', data: { runId, forkOf, autoStart: true, ...(traceId ? { traceId } : {}) } },
      principal,
      { commandId },
    );
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
    const run = await this.runs.find(principal, runIdOf(rawRunId));
    if (!run) throw runNotFound();
    return run;
  }

  /** The run and its thread's current revision (what a view compares the run's snapshot with). */
  async getWithThread(principal: Principal, rawRunId: string): Promise<{ run: RunSnapshot; threadRevision: number | null }> {
    const found = await this.runs.findWithThreadRevision(principal, runIdOf(rawRunId));
    if (!found) throw runNotFound();
    return found;
  }

  async events(principal: Principal, rawRunId: string, since: number, limit: number): Promise<RunEventsPage> {
    const page = await this.runs.events(principal, runIdOf(rawRunId), since, limit);
    if (!page) throw runNotFound();
    return page;
  }

  /** The caller's own runs. */
  list(principal: Principal, filter: RunFilter) {
    return this.runs.list(principal, filter);
  }

  /** The runs of the caller's org and project the caller may see, filtered (Vertesia's list). */
  listInProject(principal: Principal, filter: ProjectRunFilter) {
    return this.runs.listInProject(principal, filter);
  }

  /** A run's events after a point of its event clock. */
  async eventsAfterClock(principal: Principal, rawRunId: string, clock: number, limit: number) {
    const events = await this.runs.eventsAfterClock(principal, runIdOf(rawRunId), clock, limit);
    if (!events) throw runNotFound();
    return events;
  }

  /** The runs of the caller's org the caller may see; `before`: the run id the previous page ended with. */
  async listInOrg(principal: Principal, filter: { status?: RunStatus; limit: number; before?: string }) {
    let before: VisibleRunFilter['before'];
    if (filter.before !== undefined) {
      const id = canonicalRunId(filter.before);
      const run = id === null ? null : await this.runs.find(principal, id);
      if (!run) throw new ValidationFailedError(['before must be the run_id of a run this list returned']);
      before = { createdAt: run.createdAt, id: run.id };
    }
    return this.runs.listVisible(principal, { status: filter.status, limit: filter.limit, before });
  }

  /** The runs of a thread the caller may see (the thread itself must be visible). */
  async listInThread(principal: Principal, threadId: number, limit: number) {
    if (!(await this.threads.find(principal, threadId))) throw new DomainError(ErrorCode.ThreadNotFound, 'thread not found');
    return this.runs.listVisible(principal, { threadId, limit });
  }

  private async settled(run: RunSnapshot | undefined): Promise<RunSnapshot> {
    if (!run) throw new DomainError(ErrorCode.Internal, 'the run service answered without the run');
    await this.projection.waitForRun(run.id, run.lastEventSequence);
    return run;
  }
}
