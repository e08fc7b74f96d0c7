import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { CONSUMERS, STREAMS } from '#contracts';
import { CONFIG, JETSTREAM_MANAGER, LOGGER } from '#platform';
import { ArtifactReadModel } from '../artifacts/artifact-read-model';
import type { ArtifactServiceConfig } from '../config';
import { ArtifactStore } from './artifact-store';

export interface SweepResult {
  chunkSubjectsPurged: number;
  objectsDeleted: number;
  /** False when the read model was not caught up, so unreferenced objects were left alone. */
  objectsChecked: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Removes what no artifact references once it is older than the grace period:
 *  - chunk subjects without object metadata (an artifact-service killed mid-put);
 *  - objects no artifacts row names (killed between put and RecordArtifact, refused records,
 *    files replaced by a newer upload).
 * Every step is idempotent, so any number of replicas may sweep at once.
 */
@Injectable()
export class Sweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    private readonly store: ArtifactStore,
    private readonly artifacts: ArtifactReadModel,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    // Jitter keeps replicas from sweeping in lockstep.
    const delay = this.config.ARTIFACT_SWEEP_INTERVAL_MS * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then((result) => {
          if (result.chunkSubjectsPurged + result.objectsDeleted > 0) this.logger.info(result, 'swept orphaned artifact bytes');
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'artifact sweep failed'))
        .finally(() => {
          if (this.timer) this.schedule();
        });
    }, delay);
  }

  async sweep(now = Date.now()): Promise<SweepResult> {
    const cutoff = now - this.config.ARTIFACT_SWEEP_GRACE_MS;
    const objects = await this.store.list();
    const live = new Set(objects.map((o) => o.nuid));
    let chunkSubjectsPurged = 0;
    for (const subject of await this.store.chunkSubjects()) {
      if (live.has(subject.slice(this.store.chunkPrefix.length))) continue;
      // A put in progress has chunks and no metadata yet: only an idle subject is an orphan.
      const last = await this.store.lastWrite(subject);
      if (last !== null && last.getTime() > cutoff) continue;
      await this.store.purgeSubject(subject);
      chunkSubjectsPurged++;
    }

    const old = objects.filter((o) => new Date(o.mtime).getTime() < cutoff).map((o) => o.name);
    if (old.length === 0) return { chunkSubjectsPurged, objectsDeleted: 0, objectsChecked: true };
    if (!(await this.readModelCaughtUp())) return { chunkSubjectsPurged, objectsDeleted: 0, objectsChecked: false };
    let objectsDeleted = 0;
    for (let i = 0; i < old.length; i += 500) {
      const batch = old.slice(i, i + 500);
      const referenced = await this.artifacts.referenced(batch);
      for (const name of batch.filter((n) => !referenced.has(n))) {
        await this.store.remove(name);
        objectsDeleted++;
      }
    }
    return { chunkSubjectsPurged, objectsDeleted, objectsChecked: true };
  }

  /**
   * "No row references it" means "unreferenced" only if the projector has applied every event
   * appended so far (not so while it lags, or while the read model is being rebuilt and its
   * durable consumer is gone). An object older than the grace had its RecordArtifact, if any,
   * appended long before now.
   */
  private async readModelCaughtUp(): Promise<boolean> {
    const { state } = await this.jsm.streams.info(STREAMS.events);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const projector = await this.jsm.consumers.info(STREAMS.events, CONSUMERS.projector).catch(() => null);
      if (!projector) return false;
      if (projector.ack_floor.stream_seq >= state.last_seq) return true;
      if (Date.now() > deadline) {
        this.logger.info('read model behind the log: unreferenced objects are left for the next sweep');
        return false;
      }
      await sleep(200);
    }
  }
}
