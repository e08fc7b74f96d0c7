import { execFileSync } from 'node:child_process';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { serializableWhenReplicated } from '../../libs/messaging/src';
import { NATS_SERVER_BIN, NatsCluster } from '../harness';

/** The nats-server binary's version (`nats-server --version`). */
export function natsServerVersion(): string {
  return /v?(\d+\.\d+\.\d+\S*)/.exec(execFileSync(NATS_SERVER_BIN, ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
}

export const clusterSupported = () => serializableWhenReplicated(natsServerVersion());

/**
 * What Runstream's appends rest on, tried on a 3-node cluster: `writers` racing appends to one
 * subject, each expecting the last sequence it read. Returns how many expected sequences were
 * accepted more than once (0 on a server that keeps them serializable).
 */
export async function expectedSequenceRace(writers = 30, rounds = 40): Promise<{ appended: number; expectedWonTwice: number }> {
  const cluster = await NatsCluster.start();
  const conns = await Promise.all(cluster.servers.map((server) => connect({ servers: server })));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await (await jetstreamManager(conns[0]!)).streams.add({ name: 'PROBE', subjects: ['probe.>'], num_replicas: 3 });
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const wins = new Map<number, number>();
    let appended = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const nc = conns[w % conns.length]!;
        const js = jetstream(nc);
        const jsm = await jetstreamManager(nc);
        for (let i = 0; i < rounds; i++) {
          const last = await jsm.streams.getMessage('PROBE', { last_by_subj: 'probe.1' }).then((m) => m?.seq ?? 0, () => 0);
          try {
            await js.publish('probe.1', 'x', { expect: { lastSubjectSequence: last } });
            appended++;
            wins.set(last, (wins.get(last) ?? 0) + 1);
          } catch {
            // lost the race, as it should
          }
        }
      }),
    );
    return { appended, expectedWonTwice: [...wins.values()].filter((n) => n > 1).length };
  } finally {
    for (const nc of conns) await nc.close().catch(() => undefined);
    await cluster.stop();
  }
}
