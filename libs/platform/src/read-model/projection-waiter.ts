import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SUBJECTS } from '#contracts';
import { decodeJson } from '#messaging';
import { CONFIG, LOGGER, NATS_CONNECTION } from '../tokens';

const FAULT_KIND = { runs: 'run', threads: 'thread', api_keys: 'apiKey' } as const;

/**
 * Read-your-writes: a write answers only once the read model shows it, so the caller's next GET
 * (on any replica of any service) sees its own change. Bounded: past the wait the write still succeeds.
 */
@Injectable()
export class ProjectionWaiter {
  constructor(
    @Inject(CONFIG) private readonly config: { PROJECTION_WAIT_MS: number },
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {}

  waitForRun(runId: string, sequence: number): Promise<boolean> {
    return this.waitFor(SUBJECTS.runProjected(runId), 'runs', runId, sequence);
  }

  waitForThread(threadId: number, sequence: number): Promise<boolean> {
    return this.waitFor(SUBJECTS.threadProjected(threadId), 'threads', threadId, sequence);
  }

  waitForApiKey(keyId: string, sequence: number): Promise<boolean> {
    return this.waitFor(SUBJECTS.apiKeyProjected(keyId), 'api_keys', keyId, sequence);
  }

  private async waitFor(subject: string, table: 'runs' | 'threads' | 'api_keys', id: string | number, sequence: number) {
    const sub = this.nc.subscribe(subject);
    const timer = setTimeout(() => sub.unsubscribe(), this.config.PROJECTION_WAIT_MS);
    try {
      return await this.waitOn(sub, subject, table, id, sequence);
    } catch (error) {
      // The write is in the log whatever the read model does: Postgres away only means it answers unconfirmed.
      this.logger.warn({ err: error, subject, sequence }, 'read model unreachable: answered before it caught up');
      return false;
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
    }
  }

  private async waitOn(sub: Subscription, subject: string, table: 'runs' | 'threads' | 'api_keys', id: string | number, sequence: number) {
    await this.nc.flush();
    const rows: { last_event_sequence: number | null; faulted: boolean }[] = await this.dataSource.query(
      `SELECT (SELECT last_event_sequence FROM ${table} WHERE id = $1) AS last_event_sequence,
              EXISTS (SELECT 1 FROM projection_faults WHERE aggregate_kind = $2 AND aggregate_id = $1::text) AS faulted`,
      [id, FAULT_KIND[table]],
    );
    const [row] = rows;
    if (row && row.last_event_sequence !== null && row.last_event_sequence >= sequence) return true;
    // Its projection stopped at a quarantined event: it will never catch up, so waiting is pointless.
    if (row?.faulted) return false;
    for await (const msg of sub) {
      if (decodeJson<{ sequence: number }>(msg.data).sequence >= sequence) return true;
    }
    this.logger.warn({ subject, sequence }, 'read model lagging: answered before it caught up');
    return false;
  }
}
