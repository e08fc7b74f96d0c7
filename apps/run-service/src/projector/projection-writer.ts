import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { RUN_FIRST_SEQUENCE, type ApiKeyEvent, type RunEvent, type RunSnapshot, type ThreadEvent } from '#contracts';
import {
  ApiKeyRecord,
  RunEventRecord,
  RunRecord,
  ThreadRecord,
  apiKeyRecordOf,
  apiKeySnapshotOf,
  runRecordOf,
  runSnapshotOf,
  threadRecordOf,
  threadSnapshotOf,
} from '#persistence';
import { evolveApiKey, evolveRun, evolveThread } from '#domain';
import { independentArtifactWrites, projectArtifactEvents, runArtifactEvents, type RunArtifactEvents } from './artifact-rows';
import { bulkInsert, bulkWrite, writeTogether } from './bulk-write';
import { projectCachedRuns, ProjectedRuns } from './cached-projection';
import { foldBatch, type ProjectionItem, type ProjectionOutcome } from './fold-batch';
import {
  API_KEYS_TABLE,
  eventRowsOf,
  RUN_EVENTS_TABLE,
  RUNS_TABLE,
  THREAD_MESSAGES_TABLE,
  THREADS_TABLE,
  threadMessageRowsOf,
} from './read-model-tables';

/** Runs whose last written state the projector keeps, to project their next events lock-free. */
const PROJECTED_RUNS_HELD = 10_000;

const groupByStream = <E extends ProjectionItem>(items: E[]) => {
  const groups = new Map<string, E[]>();
  for (const item of items) {
    const id = item.event.metadata.streamId;
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  return groups;
};

/**
 * Writes a batch of events into the read model: runs whose state it holds in one lock-free
 * statement, everything else in one transaction that locks the rows it folds onto.
 */
@Injectable()
export class ProjectionWriter {
  private readonly held = new ProjectedRuns(PROJECTED_RUNS_HELD);

  constructor(private readonly dataSource: DataSource) {}

  async project(
    runItems: ProjectionItem<RunEvent>[],
    threadItems: ProjectionItem<ThreadEvent>[],
    keyItems: ProjectionItem<ApiKeyEvent>[] = [],
  ): Promise<ProjectionOutcome> {
    const outcome: ProjectionOutcome = { results: new Map(), advanced: [] };
    const runs = await projectCachedRuns(this.dataSource, this.held, groupByStream(runItems), outcome);
    if (runs.size === 0 && threadItems.length === 0 && keyItems.length === 0) return outcome;
    const written: RunSnapshot[] = [];
    await this.dataSource.transaction(async (m) => {
      await this.projectRuns(m, runs, outcome, written);
      await this.projectThreads(m, groupByStream(threadItems), outcome);
      await this.projectApiKeys(m, groupByStream(keyItems), outcome);
    });
    // Held only once committed: a rolled-back state would make the next guard fail anyway.
    for (const state of written) this.held.set(state);
    return outcome;
  }

  private async projectRuns(
    m: EntityManager,
    groups: Map<string, ProjectionItem<RunEvent>[]>,
    outcome: ProjectionOutcome,
    written: RunSnapshot[],
  ) {
    if (groups.size === 0) return;
    const ids = [...groups.keys()].sort();
    // Rows locked in id order: concurrent projector replicas cannot deadlock on them.
    const rows = await m
      .getRepository(RunRecord)
      .createQueryBuilder('r')
      .where('r.id IN (:...ids)', { ids })
      .orderBy('r.id')
      .setLock('pessimistic_write')
      .getMany();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const runRows: RunRecord[] = [];
    const eventRows: RunEventRecord[] = [];
    const artifactEvents: RunArtifactEvents[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      const projected = row?.lastEventSequence ?? RUN_FIRST_SEQUENCE - 1;
      const folded = foldBatch(row ? runSnapshotOf(row) : null, projected, groups.get(id) ?? [], evolveRun);
      folded.results.forEach((result, item) => outcome.results.set(item, result));
      if (folded.state) written.push(folded.state);
      const last = folded.applied.at(-1);
      if (!last || !folded.state) continue;
      eventRows.push(...eventRowsOf(id, folded.applied));
      const ofArtifacts = runArtifactEvents(id, folded.applied);
      if (ofArtifacts) artifactEvents.push(ofArtifacts);
      runRows.push(runRecordOf(folded.state, last.item.streamSeq));
      outcome.advanced.push({ kind: 'run', id, sequence: folded.state.lastEventSequence });
    }
    // Usually one round trip for all of it; artifact events that depend on each other follow one by one.
    const artifactWrites = independentArtifactWrites(artifactEvents);
    await writeTogether(m, [bulkInsert(RUN_EVENTS_TABLE, eventRows), bulkInsert(RUNS_TABLE, runRows), ...(artifactWrites ?? [])]);
    if (!artifactWrites) await projectArtifactEvents(m, artifactEvents);
  }

  private async projectThreads(
    m: EntityManager,
    groups: Map<string, ProjectionItem<ThreadEvent>[]>,
    outcome: ProjectionOutcome,
  ) {
    if (groups.size === 0) return;
    const ids = [...groups.keys()].map(Number).sort((a, b) => a - b);
    const rows = await m
      .getRepository(ThreadRecord)
      .createQueryBuilder('t')
      .where('t.id IN (:...ids)', { ids })
      .orderBy('t.id')
      .setLock('pessimistic_write')
      .getMany();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const threadRows: ThreadRecord[] = [];
    const messageRows = [];
    for (const id of ids) {
      const row = byId.get(id);
      const folded = foldBatch(row ? threadSnapshotOf(row) : null, row?.lastEventSequence ?? 0, groups.get(String(id)) ?? [], evolveThread);
      folded.results.forEach((result, item) => outcome.results.set(item, result));
      const last = folded.applied.at(-1);
      if (!last || !folded.state) continue;
      threadRows.push(threadRecordOf(folded.state, last.item.streamSeq));
      messageRows.push(...threadMessageRowsOf(id, folded.applied));
      outcome.advanced.push({ kind: 'thread', id: String(id), sequence: folded.state.lastEventSequence });
    }
    await writeTogether(m, [bulkInsert(THREADS_TABLE, threadRows), bulkInsert(THREAD_MESSAGES_TABLE, messageRows)]);
  }

  private async projectApiKeys(m: EntityManager, groups: Map<string, ProjectionItem<ApiKeyEvent>[]>, outcome: ProjectionOutcome) {
    if (groups.size === 0) return;
    const ids = [...groups.keys()].sort();
    const rows = await m
      .getRepository(ApiKeyRecord)
      .createQueryBuilder('k')
      .where('k.id IN (:...ids)', { ids })
      .orderBy('k.id')
      .setLock('pessimistic_write')
      .getMany();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const keyRows: ApiKeyRecord[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      const folded = foldBatch(row ? apiKeySnapshotOf(row) : null, row?.lastEventSequence ?? 0, groups.get(id) ?? [], evolveApiKey);
      folded.results.forEach((result, item) => outcome.results.set(item, result));
      const last = folded.applied.at(-1);
      if (!last || !folded.state) continue;
      keyRows.push(apiKeyRecordOf(folded.state, last.item.streamSeq));
      outcome.advanced.push({ kind: 'apiKey', id, sequence: folded.state.lastEventSequence });
    }
    await bulkWrite(m, API_KEYS_TABLE, keyRows);
  }
}
