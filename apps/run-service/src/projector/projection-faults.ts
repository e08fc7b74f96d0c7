import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type AggregateKind = 'run' | 'thread' | 'apiKey';

/** An aggregate the projector gave up on, and why (a code, never the data). */
export interface ProjectionFault {
  kind: AggregateKind;
  id: string;
  sequence: number;
  streamSeq: number;
  eventType: string;
  errorCode: string;
}

/**
 * The aggregates whose projection stopped at an event it could not write (the dead letters):
 * remembered in `projection_faults`, so every projector replica skips their later events instead
 * of retrying a gap forever, and reads of them can say the read model is degraded.
 */
@Injectable()
export class ProjectionFaults {
  private readonly known = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  async record(fault: ProjectionFault): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO projection_faults (aggregate_kind, aggregate_id, sequence, stream_seq, event_type, error_code, faulted_at)
       VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT DO NOTHING`,
      [fault.kind, fault.id, fault.sequence, fault.streamSeq, fault.eventType, fault.errorCode],
    );
    this.known.add(`${fault.kind}:${fault.id}`);
  }

  /**
   * Whether the aggregate is faulted. Asked only at a gap (rare), so "no" is asked of the table each
   * time: a fault another replica records must show up here.
   */
  async has(kind: AggregateKind, id: string): Promise<boolean> {
    const key = `${kind}:${id}`;
    if (this.known.has(key)) return true;
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM projection_faults WHERE aggregate_kind = $1 AND aggregate_id = $2', [kind, id]);
    if (rows.length > 0) this.known.add(key);
    return rows.length > 0;
  }
}
