import { setTimeout as sleep } from 'node:timers/promises';
import { AgentWorker, type AgentHandler } from '#agent-sdk';
import type { TestSystem } from './system';

/** A Travelmode event as GET /v1/agent-runs/{id}/events shows it. */
export interface TmEvent {
  sequence: number;
  eventType: string;
  payload: any;
  createdAt: string;
}

export const TERMINAL = ['completed', 'failed', 'cancelled'];

/** Creates a run (optionally for a named agent) and returns its id. */
export async function createRun(system: TestSystem, user: string, triggerMessage: string, agent?: string): Promise<string> {
  const api = system.api(user);
  const tripId = await system.thread(user);
  const res = await api.post('/v1/agent-runs', { tripId, triggerMessage, ...(agent ? { agent } : {}) });
  if (res.status !== 201) throw new Error(`run create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.run.id as string;
}

/** Creates and starts a run; returns its id. */
export async function startRun(system: TestSystem, user: string, triggerMessage: string, agent?: string): Promise<string> {
  const runId = await createRun(system, user, triggerMessage, agent);
  const res = await system.api(user).post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
  if (res.status !== 200) throw new Error(`run start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return runId;
}

/** Every event of a run (all pages), through the public API. */
export async function allEvents(system: TestSystem, user: string, runId: string): Promise<TmEvent[]> {
  const api = system.api(user);
  const events: TmEvent[] = [];
  for (;;) {
    const since = events.at(-1)?.sequence ?? 0;
    const page = await api.get(`/v1/agent-runs/${runId}/events?since=${since}&limit=1000`);
    if (page.status !== 200) throw new Error(`events failed: ${page.status} ${JSON.stringify(page.body)}`);
    events.push(...(page.body.events as TmEvent[]));
    if (page.body.events.length < 1000) return events;
  }
}

/** Polls the run's events until one satisfies `match`; returns all events seen so far. */
export async function waitForEvent(
  system: TestSystem,
  user: string,
  runId: string,
  match: (e: TmEvent) => boolean,
  timeoutMs = 20_000,
): Promise<TmEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await allEvents(system, user, runId);
    if (events.some(match)) return events;
    if (Date.now() > deadline)
      throw new Error(`run ${runId}: no matching event within ${timeoutMs} ms; saw ${events.map((e) => e.eventType).join(',')}`);
    await sleep(50);
  }
}

/** Sequences must be exactly 1..N. */
export function expectSequential(events: TmEvent[]): void {
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
}

/** An in-process worker on the test's NATS connection; stop it with `worker.stop()`. */
export async function inProcessWorker(
  system: TestSystem,
  agents: Record<string, AgentHandler>,
  workerId: string,
  options: { attemptTimeoutMs?: number } = {},
): Promise<AgentWorker> {
  const worker = new AgentWorker({ nc: system.nc, agents, workerId, leaseRenewMs: 300, ...options });
  await worker.start();
  return worker;
}

/** Resolves when `condition` returns true (polling). */
export async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
