import { runChaos } from '../tools/chaos';

/**
 * The chaos run, small (`npm run chaos` is the full size): every fault in turn under running
 * runs and open browser-like streams; nothing lost, duplicated, stuck or failed.
 */
describe('chaos (small)', () => {
  it('survives every fault with nothing lost, duplicated, stuck or failed', async () => {
    const lines: string[] = [];
    const report = await runChaos({ runs: 24, events: 80, pauseMs: 100, clients: 48, finishWithinMs: 90_000, log: (l) => lines.push(l) });
    process.stdout.write(`chaos: ${JSON.stringify(report)}\n${lines.join('\n')}\n`);
    expect({
      lost: report.lost,
      duplicated: report.duplicated,
      stuck: report.stuck,
      failed: report.failed,
      clientLost: report.clientLost,
      clientDuplicated: report.clientDuplicated,
      unfinishedClients: report.unfinishedClients,
      quarantined: report.quarantined,
      readModelMatchesRebuild: report.readModelMatchesRebuild,
    }).toEqual({ lost: 0, duplicated: 0, stuck: 0, failed: 0, clientLost: 0, clientDuplicated: 0, unfinishedClients: 0, quarantined: 0, readModelMatchesRebuild: true });
    expect(report.runs).toBe(24 + 7);
    // The faults landed: the killed worker held attempts, the killed services held streams.
    expect(report.redispatches).toBeGreaterThan(0);
    expect(report.clientReconnects).toBeGreaterThan(0);
    expect(report.recoveries.map((r) => r.fault)).toEqual(['gateway', 'run-service', 'stream-service', 'artifact-service', 'worker', 'nats-server', 'postgres']);
  }, 300_000);
});
