import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrowserClient } from './clients';
import { quarantined, rebuildMatches, tallyLogs } from './checks';
import { NatsCluster, NatsServer } from '../harness';
import { ChaosSystem, chaosToken } from './system';

export const FAULTS = ['gateway', 'run-service', 'stream-service', 'artifact-service', 'worker', 'nats-server', 'postgres'] as const;
/** On a 3-node cluster: kill -9 of the node leading RUN_EVENTS, restarted after. */
export const CLUSTER_FAULTS = ['nats-leader'] as const;
export type Fault = (typeof FAULTS)[number] | (typeof CLUSTER_FAULTS)[number];

export interface ChaosOptions {
  runs: number;
  events: number;
  clients: number;
  faults?: readonly Fault[];
  /** The worker's pause after every tenth event (default 5 ms): short runs must still be running when a fault lands. */
  pauseMs?: number;
  /** Run on a 3-node nats-server cluster (R3 streams). */
  cluster?: boolean;
  /** How long every run may take to end after the last fault. */
  finishWithinMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  runs: number;
  events: number;
  clients: number;
  /** Sequences missing from, or stored twice in, the runs' logs. */
  lost: number;
  duplicated: number;
  /** Runs not terminal in time; runs that ended other than completed. */
  stuck: number;
  failed: number;
  /** Over every client: sequences of 1..N never received, and received more than once. */
  clientLost: number;
  clientDuplicated: number;
  unfinishedClients: number;
  quarantined: number;
  readModelMatchesRebuild: boolean;
  recoveries: { fault: Fault; ms: number }[];
  /** Evidence the faults landed: redispatched attempts, and stream reconnects of the clients. */
  redispatches: number;
  clientReconnects: number;
}

const USER = 'usr_chaos';
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** A request retried through the outages the run causes, with an Idempotency-Key when it writes. */
async function call(base: string, method: string, path: string, body?: unknown, key?: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  let last = 'nothing';
  for (;;) {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${chaosToken(USER)}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status < 500 && res.status !== 409 && res.status !== 429) {
        const parsed = await res.json().catch(() => null);
        if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
        return parsed;
      }
      last = `${res.status} ${(await res.text().catch(() => '')).slice(0, 200)}`;
    } catch (error) {
      if (error instanceof Error && / \d{3} /.test(error.message)) throw error;
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer in 60 s (last: ${last})`);
    await sleep(200);
  }
}

/**
 * The chaos run: runs created in waves while each fault in turn hits the system (kill -9 of every
 * service, nats-server and PostgreSQL killed and restarted), browser-like clients on their
 * streams throughout; afterwards everything that must hold is counted.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const faults = options.faults ?? FAULTS;
  const system = await ChaosSystem.start({ events: options.events, pauseMs: options.pauseMs, cluster: options.cluster });
  try {
    const base = system.gatewayUrl;
    const thread = await call(base, 'POST', '/v1/threads', { title: 'chaos' }, randomUUID());
    const tripId = thread.thread.id as number;
    const runIds: string[] = [];
    const clients: BrowserClient[] = [];
    const perRun = options.clients / options.runs;
    const create = async () => {
      const created = await call(base, 'POST', '/v1/agent-runs', { tripId, triggerMessage: 'chaos' }, randomUUID());
      const runId = created.run.id as string;
      runIds.push(runId);
      const wanted = Math.round((runIds.length) * perRun) - Math.round((runIds.length - 1) * perRun);
      for (let i = 0; i < wanted; i++) {
        const client = new BrowserClient(runId, `${base}/v1/agent-runs/${runId}/stream`, chaosToken(USER));
        clients.push(client);
        client.open();
      }
      await call(base, 'POST', `/v1/agent-runs/${runId}/control`, { action: 'start' }, randomUUID());
      return runId;
    };
    const wave = async (n: number) => {
      const tasks = Array.from({ length: n }, () => create());
      await Promise.all(tasks);
    };
    const waves = faults.length + 1;
    const sizes = Array.from({ length: waves }, (_, i) => Math.floor(options.runs / waves) + (i < options.runs % waves ? 1 : 0));

    const recoveries: ChaosReport['recoveries'] = [];
    for (const [i, fault] of faults.entries()) {
      const started = wave(sizes[i] ?? 0);
      await sleep(300);
      const at = Date.now();
      const afterwards = await inject(system, fault, log);
      // Recovered: a new run is created, started, executed and its first event is read back.
      const probe = await create();
      log(`${fault}: probe run created and started after ${Date.now() - at} ms`);
      await waitUntil(async () => ((await call(base, 'GET', `/v1/agent-runs/${probe}/events?since=0`)).events?.length ?? 0) > 0, 60_000);
      recoveries.push({ fault, ms: Date.now() - at });
      log(`${fault}: recovered in ${Date.now() - at} ms`);
      if (afterwards) await afterwards();
      await started;
    }
    await wave(sizes[waves - 1] ?? 0);

    const finishBy = Date.now() + (options.finishWithinMs ?? 120_000);
    const statuses = new Map<string, string>();
    while (Date.now() < finishBy && statuses.size < runIds.length) {
      for (const id of runIds.filter((r) => !statuses.has(r))) {
        const status = (await call(base, 'GET', `/v1/agent-runs/${id}`)).run.status as string;
        if (TERMINAL.has(status)) statuses.set(id, status);
      }
      if (statuses.size < runIds.length) await sleep(500);
    }
    await waitUntil(async () => clients.every((c) => c.finished), Math.max(5_000, finishBy - Date.now())).catch(() => undefined);
    for (const c of clients) c.close();

    const logs = await tallyLogs(system, runIds);
    let clientLost = 0;
    let clientDuplicated = 0;
    for (const c of clients) {
      const t = c.tally(logs.lengths.get(c.runId) ?? 0);
      clientLost += t.lost;
      clientDuplicated += t.duplicated;
    }
    const rebuild = await rebuildMatches(system);
    if (!rebuild.matches) log(`read model differs from its rebuild: ${JSON.stringify(rebuild)}`);
    return {
      runs: runIds.length,
      events: [...logs.lengths.values()].reduce((a, b) => a + b, 0),
      clients: clients.length,
      lost: logs.lost,
      duplicated: logs.duplicated,
      stuck: runIds.length - statuses.size,
      failed: [...statuses.values()].filter((s) => s !== 'completed').length,
      clientLost,
      clientDuplicated,
      unfinishedClients: clients.filter((c) => !c.finished).length,
      quarantined: await quarantined(system),
      readModelMatchesRebuild: rebuild.matches,
      recoveries,
      redispatches: logs.redispatches,
      clientReconnects: clients.reduce((sum, c) => sum + c.reconnects, 0),
    };
  } finally {
    await system.stop();
  }
}

/** Injects the fault; what it returns is done once the system has recovered. */
async function inject(system: ChaosSystem, fault: Fault, log: (line: string) => void): Promise<void | (() => Promise<void>)> {
  switch (fault) {
    case 'nats-server':
      if (!(system.nats instanceof NatsServer)) throw new Error('nats-server: not a single server');
      return system.nats.restart();
    case 'nats-leader': {
      if (!(system.nats instanceof NatsCluster)) throw new Error('nats-leader: not a cluster');
      const cluster = system.nats;
      const leader = await system.eventsLeader();
      const killed = Date.now();
      await cluster.killNode(leader);
      // The server's own part of the recovery: how long the survivors take to elect a new leader.
      void waitUntil(async () => (await system.eventsLeader()) !== leader, 60_000).then(
        () => log(`nats-leader: RUN_EVENTS has a new leader after ${Date.now() - killed} ms (the servers' election)`),
        () => undefined,
      );
      // Recovery is measured on the two survivors (a new leader); then the node comes back, as a
      // crashed pod would, and catches up.
      return () => cluster.restartNode(leader);
    }
    case 'postgres':
      await system.postgres.kill();
      return system.postgres.spawn();
    case 'worker': {
      const worker = system.service('worker-1');
      await worker.kill();
      return worker.spawn();
    }
    default: {
      const service = system.service(fault);
      await service.kill();
      return service.spawn();
    }
  }
}

async function waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // an outage still going on
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}
