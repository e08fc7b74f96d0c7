import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { headers } from '@nats-io/transport-node';
import { CONSUMERS, HEADERS, STREAMS, SUBJECTS } from '#contracts';
import { waitFor } from '../tools/harness';
import { readRunLog } from './support/run-log';
import { TestSystem } from './support/system';

/**
 * An event in the log that the read model cannot store (here a NUL in a text column, which no
 * client can send any more but an older writer or a bug could have stored) must not wedge the
 * projector: it is retried, then quarantined, every other run keeps projecting, and the run it
 * belongs to answers "degraded" instead of a stale state.
 */
describe('projection quarantine', () => {
  let system: TestSystem;
  const user = 'usr_quarantine';
  const secret = 'Q-SECRET-TITLE';

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0, runServiceEnv: { PROJECTION_MAX_TRIES: '2' }, gatewayEnv: { PROJECTION_WAIT_MS: '60000' } });
  });
  afterAll(() => system?.stop());

  const createRun = async (triggerMessage: string): Promise<string> => {
    const tripId = await system.thread(user);
    const res = await system.api(user).post('/v1/agent-runs', { tripId, triggerMessage });
    expect(res.status).toBe(201);
    return res.body.run.id as string;
  };

  /** Appends straight to RUN_EVENTS, as only a run-service does, an event Postgres refuses. */
  const appendUnstorable = async (runId: string): Promise<void> => {
    const subject = SUBJECTS.runEvents(runId);
    const [last] = (await readRunLog(system.js, runId)).slice(-1);
    const stored = await system.jsm.direct.getMessage(STREAMS.events, { last_by_subj: subject });
    const sequence = last!.metadata.sequence + 1;
    const commandId = randomUUID();
    const h = headers();
    h.set(HEADERS.sequence, String(sequence));
    await system.js.publish(
      subject,
      JSON.stringify({
        type: 'RunDescribed',
        data: { attempt: 1, name: null, title: `${secret}\u0000`, topic: null },
        metadata: { ...last!.metadata, eventId: randomUUID(), sequence, commandId, causationId: commandId, batch: { index: 0, count: 1 } },
      }),
      { expect: { lastSubjectSequence: stored!.seq }, headers: h },
    );
  };

  it('quarantines the event, keeps projecting other runs, and answers the faulted run with 503', async () => {
    const api = system.api(user);
    const faulted = await createRun('will fault');
    const healthy = await createRun('stays healthy');
    await appendUnstorable(faulted);

    const faults = await waitFor(
      'the fault recorded',
      async () => {
        const rows = await system.db.query<{ aggregate_id: string; event_type: string; error_code: string }>(
          `SELECT aggregate_id, event_type, error_code FROM projection_faults WHERE aggregate_kind = 'run'`,
        );
        return rows.length > 0 ? rows : null;
      },
      30_000,
      200,
    );
    expect(faults).toEqual([{ aggregate_id: faulted, event_type: 'RunDescribed', error_code: expect.stringMatching(/^22/) }]);

    // Reads and writes of the faulted run say so, fast, rather than answer from a read model that stopped short.
    const read = await api.get(`/v1/agent-runs/${faulted}`);
    expect(read.status).toBe(503);
    expect(read.body.error).toBeDefined();
    expect(JSON.stringify(read.body)).not.toContain(secret);
    // Writes still go to the log (the truth) and answer from the run itself, without waiting for a
    // projection that will not come (PROJECTION_WAIT_MS is 60 s here).
    const before = (await readRunLog(system.js, faulted)).length;
    const started = Date.now();
    const cancel = await api.post(`/v1/agent-runs/${faulted}/control`, { action: 'cancel' });
    expect(cancel.status).toBe(200);
    expect(cancel.body.run.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readRunLog(system.js, faulted)).toHaveLength(before + 1);
    expect((await api.get(`/v1/agent-runs/${faulted}`)).status).toBe(503);

    // The projector moved on: another run's change is projected after the quarantined event.
    expect((await api.post(`/v1/agent-runs/${healthy}/control`, { action: 'cancel' })).status).toBeLessThan(300);
    await system.waitForRun(user, healthy, (s) => s === 'cancelled');
    const later = await createRun('after the fault');
    expect((await api.get(`/v1/agent-runs/${later}`)).status).toBe(200);

    const metrics = await (await fetch(`${system.runServices[0]!.url}/metrics`)).text();
    expect(Number(/^runstream_quarantined_events_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    // The log names the aggregate and the code, never what the event carried.
    const log = readFileSync(system.runServices[0]!.logFile, 'utf8');
    expect(log).toContain('event quarantined');
    expect(log).not.toContain(secret);
  });

  it('skips the faulted run\'s later events instead of retrying a gap forever', async () => {
    const faulted = await createRun('gap after fault');
    await appendUnstorable(faulted);
    await appendUnstorable(faulted);
    await waitFor(
      'both events settled',
      async () => {
        const info = await system.jsm.consumers.info(STREAMS.events, CONSUMERS.projector);
        return info.num_pending === 0 && info.num_ack_pending === 0 ? info : null;
      },
      30_000,
      200,
    );
    expect((await system.api(user).get(`/v1/agent-runs/${faulted}`)).status).toBe(503);
  });
});
