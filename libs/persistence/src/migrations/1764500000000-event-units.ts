import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events of one unit (several events in one message of the log) share its stream sequence:
 * `run_events.stream_seq` stops being unique. It stays indexed for the stream-service's resume.
 */
export class EventUnits1764500000000 implements MigrationInterface {
  name = 'EventUnits1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX run_events_stream_seq_idx`);
    await q.query(`CREATE INDEX run_events_stream_seq_idx ON run_events (stream_seq)`);
  }

  /**
   * Uniqueness cannot come back once units are projected (their rows share a stream sequence),
   * so this keeps the plain index: the read model is a projection, and going further down (as a
   * rebuild does) drops the table anyway.
   */
  async down(): Promise<void> {
    // nothing to undo that the data allows
  }
}
