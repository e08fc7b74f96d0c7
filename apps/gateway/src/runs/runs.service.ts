import { CommandBus, ProjectionWaiter } from '#platform';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, SUBJECTS, type RunCommandType, type RunSnapshot } from '#contracts';
import type { Principal } from '../auth/principal';
import { runIdOf, runNotFound } from './run-id';
import type { IdSource } from '../idempotency/id-source';
import { RunReadModel, type RunEventsPage, type RunFilter } from '../read-model/run-read-model';
import { ThreadReadModel } from '../read-model/thread-read-model';

export type RunAction = 'start' | 'stop' | 'cancel' | 'retry';

const COMMAND_OF: Record<RunAction, RunCommandType> = {
  start: 'StartRun',
  stop: 'StopRun',
  cancel: 'CancelRun',
  retry: 'RetryRun',
};

export interface RevisionDrift {
  hasDrift: boolean;
  snapshotRevision: number;
  currentRevision: number;
}

/** Dialect-neutral run use cases; controllers map shapes, this decides nothing itself. */
@Injectable()
export class RunsService {
  constructor(
    private readonly bus: CommandBus,
    private readonly runs: RunReadModel,
    private readonly threads: ThreadReadModel,
    private readonly projection: ProjectionWaiter,
  ) {}

  async create(
    principal: Principal,
    input: { threadId: number; triggerMessage: string; agent?: string; autoStart?: boolean },
    ids: IdSource,
  ): Promise<RunSnapshot> {
    const runId = await ids.reserve('runId', randomUUID);
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send(SUBJECTS.runCommands(runId), 'CreateRun', { runId, ...input }, principal, { commandId });
    return this.settled(reply.run);
  }

  act(principal: Principal, rawRunId: string, action: RunAction, reason: string | undefined, ids: IdSource) {
    const data = action === 'cancel' && reason !== undefined ? { reason } : {};
    return this.command(principal, rawRunId, COMMAND_OF[action], data, ids);
  }

  /** Sends a command about an existing run and answers once the read model shows its outcome. */
  async command(principal: Principal, rawRunId: string, type: RunCommandType, data: object, ids: IdSource): Promise<RunSnapshot> {
    const runId = runIdOf(rawRunId);
    const commandId = await ids.reserve('commandId', randomUUID);
    const reply = await this.bus.send(SUBJECTS.runCommands(runId), type, { runId, ...data }, principal, { commandId });
    return this.settled(reply.run);
  }

  async get(principal: Principal, rawRunId: string): Promise<{ run: RunSnapshot; revisionDrift: RevisionDrift }> {
    const run = await this.runs.find(principal.userId, runIdOf(rawRunId));
    if (!run) throw runNotFound();
    const currentRevision = (await this.threads.revisionOf(run.threadId)) ?? run.snapshotRevision;
    return {
      run,
      revisionDrift: { hasDrift: currentRevision !== run.snapshotRevision, snapshotRevision: run.snapshotRevision, currentRevision },
    };
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
