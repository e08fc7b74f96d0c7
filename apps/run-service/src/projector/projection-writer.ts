import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { RUN_FIRST_SEQUENCE, type RunEvent, type ThreadEvent } from '#contracts';
import {
  RunEventRecord,
  RunRecord,
  ThreadRecord,
  runRecordOf,
  runSnapshotOf,
  threadRecordOf,
  threadSnapshotOf,
} from '#persistence';
import { evolveRun, evolveThread } from '#domain';
import { independentArtifactWrites, projectArtifactEvents, type RunArtifactEvents } from './artifact-rows';
import { bulkInsert, bulkWrite, writeTogether } from './bulk-write';
import { foldBatch, type ItemResult, type ProjectionItem } from './fold-batch';
import { RUN_EVENTS_TABLE, RUNS_TABLE, THREADS_TABLE } from './read-model-tables';

export interface ProjectionOutcome {
  results: Map<ProjectionItem, ItemResult>;
  /** Aggregates that advanced, with the sequence they are now projected to. */
  advanced: { kind: 'run' | 'thread'; id: string; sequence: number }[];
}

const groupByStream = <E extends ProjectionItem>(items: E[]) => {
  const groups = new Map<string, E[]>();
  for (const item of items) {
    const id = item.event.metadata.streamId;
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  return groups;
};

/** Writes a batch of events into the read model in one transaction. */
@Injectable()
export class ProjectionWriter {
  constructor(private readonly dataSource: DataSource) {}

  async project(runItems: ProjectionItem<RunEvent>[], threadItems: ProjectionItem<ThreadEvent>[]): Promise<ProjectionOutcome> {
    const outcome: ProjectionOutcome = { results: new Map(), advanced: [] };
    await this.dataSource.transaction(async (m) => {
      await this.projectRuns(m, groupByStream(runItems), outcome);
      await this.projectThreads(m, groupByStream(threadItems), outcome);
    });
    return outcome;
  }

  private async projectRuns(m: EntityManager, groups: Map<string, ProjectionItem<RunEvent>[]>, outcome: ProjectionOutcome) {
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
      const last = folded.applied.at(-1);
      if (!last || !folded.state) continue;
      for (const { item, stateAfter } of folded.applied) {
        eventRows.push({
          runId: id,
          sequence: item.event.metadata.sequence,
          streamSeq: item.streamSeq,
          type: item.event.type,
          data: item.event.data,
          metadata: item.event.metadata,
          createdAt: new Date(item.event.metadata.createdAt),
          runStatus: stateAfter?.status ?? 'pending',
          runPhase: stateAfter?.phase ?? null,
        });
      }
      const ofArtifacts = folded.applied.map((f) => f.item.event).filter((e) => e.type.startsWith('RunArtifact'));
      if (ofArtifacts.length > 0) artifactEvents.push({ runId: id, events: ofArtifacts });
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
    for (const id of ids) {
      const row = byId.get(id);
      const folded = foldBatch(row ? threadSnapshotOf(row) : null, row?.lastEventSequence ?? 0, groups.get(String(id)) ?? [], evolveThread);
      folded.results.forEach((result, item) => outcome.results.set(item, result));
      const last = folded.applied.at(-1);
      if (!last || !folded.state) continue;
      threadRows.push(threadRecordOf(folded.state, last.item.streamSeq));
      outcome.advanced.push({ kind: 'thread', id: String(id), sequence: folded.state.lastEventSequence });
    }
    await bulkWrite(m, THREADS_TABLE, threadRows);
  }
}
