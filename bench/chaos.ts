/**
 * npm run chaos — R runs × E events with C browser-like SSE clients while every fault hits in turn:
 * kill -9 of each service, nats-server and PostgreSQL killed and restarted; then, on a 3-node
 * nats-server cluster with R3 streams, kill -9 of the RUN_EVENTS leader. Prints what was lost,
 * duplicated, stuck or failed (all must be 0) and each fault's recovery time.
 *
 *   npm run chaos -- [--runs 200] [--events 500] [--clients 500] [--cluster-runs 100]
 */
import { CLUSTER_FAULTS, FAULTS, clusterSupported, expectedSequenceRace, natsServerVersion, runChaos, type ChaosReport } from '../tools/chaos';
import { argInt, machine } from './support';

const COUNTS: [string, (r: ChaosReport) => number | string][] = [
  ['runs', (r) => r.runs],
  ['events', (r) => r.events],
  ['clients', (r) => r.clients],
  ['lost (log)', (r) => r.lost],
  ['duplicated (log)', (r) => r.duplicated],
  ['stuck runs', (r) => r.stuck],
  ['failed runs', (r) => r.failed],
  ['lost (clients)', (r) => r.clientLost],
  ['duplicated (clients)', (r) => r.clientDuplicated],
  ['clients unfinished', (r) => r.unfinishedClients],
  ['quarantined events', (r) => r.quarantined],
  ['read model = rebuild', (r) => (r.readModelMatchesRebuild ? 'yes' : 'NO')],
  ['redispatched attempts', (r) => r.redispatches],
  ['client reconnects', (r) => r.clientReconnects],
];

const clean = (r: ChaosReport) =>
  r.lost + r.duplicated + r.stuck + r.failed + r.clientLost + r.clientDuplicated + r.unfinishedClients + r.quarantined === 0 && r.readModelMatchesRebuild;

async function main(): Promise<void> {
  const runs = argInt('runs', 200);
  const events = argInt('events', 500);
  const clients = argInt('clients', 500);
  const clusterRuns = argInt('cluster-runs', Math.ceil(runs / 2));
  const log = (line: string) => process.stdout.write(`  ${line}\n`);
  process.stdout.write(`chaos (${machine()})\n`);
  process.stdout.write(`single server: ${runs} runs × ${events} events, ${clients} clients, faults ${FAULTS.join(', ')}\n`);
  const single = await runChaos({ runs, events, clients, faults: FAULTS, log });
  // The services refuse replicated streams on servers that do not keep expected-sequence appends
  // serializable: show why on this one, and run the cluster phase only where it can be run.
  const race = await expectedSequenceRace();
  process.stdout.write(`3-node cluster of nats-server ${natsServerVersion()}: ${race.appended} racing appends stored, ${race.expectedWonTwice} expected sequences accepted twice\n`);
  let cluster: ChaosReport | null = null;
  if (clusterSupported()) {
    process.stdout.write(`3-node cluster, R3: ${clusterRuns} runs × ${events} events, ${Math.round((clients * clusterRuns) / runs)} clients, faults ${CLUSTER_FAULTS.join(', ')}\n`);
    cluster = await runChaos({ runs: clusterRuns, events, clients: Math.round((clients * clusterRuns) / runs), faults: CLUSTER_FAULTS, cluster: true, log });
  } else process.stdout.write(`cluster phase skipped: nats-server ${natsServerVersion()} < 2.9.21 (nats-io/nats-server#4320); the services refuse STREAM_REPLICAS > 1 on it\n`);

  process.stdout.write(`\n| count | single server | 3-node cluster |\n| --- | --- | --- |\n`);
  for (const [name, of] of COUNTS) process.stdout.write(`| ${name} | ${of(single)} | ${cluster ? of(cluster) : 'skipped'} |\n`);
  process.stdout.write(`\n| fault | recovery (ms) |\n| --- | --- |\n`);
  for (const r of [...single.recoveries, ...(cluster?.recoveries ?? [])]) process.stdout.write(`| ${r.fault} | ${r.ms} |\n`);
  process.exit(clean(single) && (cluster === null || clean(cluster)) ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
