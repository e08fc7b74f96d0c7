/**
 * npm run chaos — R runs × E events with C browser-like SSE clients while every fault hits in turn
 * (kill -9 of each service, nats-server and PostgreSQL killed and restarted). Prints what was
 * lost, duplicated, stuck or failed (all must be 0) and each fault's recovery time.
 *
 *   npm run chaos -- [--runs 200] [--events 500] [--clients 500]
 */
import { FAULTS, runChaos } from '../tools/chaos';
import { argInt, machine } from './support';

async function main(): Promise<void> {
  const runs = argInt('runs', 200);
  const events = argInt('events', 500);
  const clients = argInt('clients', 500);
  process.stdout.write(`chaos: ${runs} runs × ${events} events, ${clients} clients, faults ${FAULTS.join(', ')} (${machine()})\n`);
  const started = Date.now();
  const report = await runChaos({ runs, events, clients, log: (line) => process.stdout.write(`  ${line}\n`) });
  const counts = {
    lost: report.lost,
    duplicated: report.duplicated,
    stuck: report.stuck,
    failed: report.failed,
    'client lost': report.clientLost,
    'client duplicated': report.clientDuplicated,
    'clients unfinished': report.unfinishedClients,
    quarantined: report.quarantined,
  };
  process.stdout.write(`\n| count | value |\n| --- | --- |\n`);
  for (const [name, value] of Object.entries(counts)) process.stdout.write(`| ${name} | ${value} |\n`);
  process.stdout.write(`| read model = rebuild | ${report.readModelMatchesRebuild ? 'yes' : 'NO'} |\n`);
  process.stdout.write(`\n| fault | recovery (ms) |\n| --- | --- |\n`);
  for (const r of report.recoveries) process.stdout.write(`| ${r.fault} | ${r.ms} |\n`);
  process.stdout.write(`\nredispatched attempts: ${report.redispatches}, client reconnects: ${report.clientReconnects}\n`);
  process.stdout.write(`\n${report.runs} runs, ${report.events} events, ${report.clients} clients in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const clean = Object.values(counts).every((v) => v === 0) && report.readModelMatchesRebuild;
  process.exit(clean ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
