import { signToken } from './tokens';
import type { TestSystem } from './system';
import type { VertesiaClientDriver, AgentMessage, RecordedRequest, StreamView } from './vertesia-client';
import { waitFor } from '../../tools/harness';

/**
 * Shared by the suites of the official Vertesia TypeScript client (`@vertesia/client` 1.5.0)
 * against Runstream's Vertesia Agent Runs API (seed 004): test/vertesia-client-*.e2e-spec.ts. Every
 * call the suites make is the client's own (run in test/support/vertesia-client-driver.mjs, since
 * the client is an ES module), and the assertions are what a Vertesia user of that client expects
 * (see /tmp/vertesia-study/REPORT.md for the wire protocol the client speaks).
 */

export const user = 'abc123';
export const token = signToken({ sub: user, org: 'acct_1', project: 'proj_1', scope: 'workflow:run', name: 'Abc', email: 'abc@example.com' });
export const teammate = signToken({ sub: 'mate', org: 'acct_1', project: 'proj_1', scope: 'workflow:run' });
export const stranger = signToken({ sub: 'eve', org: 'acct_2', project: 'proj_1', scope: 'workflow:run' });

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** The messages as the client delivered them, without the driver's receipt time. */
export const plain = (messages: AgentMessage[]) => messages.map(({ received_at: _, ...m }) => m);
const key = (m: AgentMessage) => `${m.timestamp}|${m.type}|${m.message}`;
export const types = (messages: AgentMessage[]) => messages.map((m) => m.type);

/** Every message once, in timestamp order (a resume with `since` relies on both). */
export function expectOnceInOrder(messages: AgentMessage[]) {
  const keys = messages.map(key);
  expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  const stamps = messages.map((m) => m.timestamp);
  const notIncreasing = stamps.flatMap((t, i) => (i > 0 && t <= stamps[i - 1]! ? [`#${i}: ${stamps[i - 1]} → ${t}`] : []));
  expect(notIncreasing).toEqual([]);
}

/** The stream resolved by itself (not aborted, not rejected), delivering nothing afterwards. */
export function expectEndedByItself(view: StreamView, last: number) {
  expect({ settled: view.settled, error: view.error, resolvedWith: view.resolvedWith, afterSettle: view.messagesAfterSettle }).toEqual({
    settled: true,
    error: null,
    resolvedWith: null,
    afterSettle: 0,
  });
  expect(view.messages.at(-1)?.type).toBe(last);
}

export const streamRequests = (requests: RecordedRequest[], runId: string) => requests.filter((r) => new URL(r.url).pathname === `/api/v1/agents/${runId}/stream`);

/** Remembers, in `secretsInUrls`, the credentials seen in URLs (the stream's access_token, signed-URL signatures). */
export const urlSecretsCollector = (secretsInUrls: Set<string>) => (requests: RecordedRequest[]) => {
  for (const r of requests) {
    const url = new URL(r.url);
    const accessToken = url.searchParams.get('access_token');
    if (accessToken) secretsInUrls.add(accessToken);
    const sig = url.searchParams.get('sig');
    if (sig) secretsInUrls.add(sig);
  }
};

/** The helpers that act through a suite's system and the user's client (read when called, i.e. after beforeAll). */
export function runHelpers(current: () => { system: TestSystem; client: VertesiaClientDriver }) {
  const startRun = (task: string, extra: Record<string, unknown> = {}) =>
    current().client.agents('start', { interaction: 'trip-planner', data: { task }, interactive: true, ...extra });
  /** Runstream's own status (the Vertesia view folds `waiting_for_input` into `running`). */
  const coreStatus = async (runId: string) => (await current().system.api().as(token).get(`/v1/agent-runs/${runId}`)).body.run.status as string;
  const untilWaiting = (runId: string) => waitFor(`run ${runId} waiting for input`, async () => (await coreStatus(runId)) === 'waiting_for_input', 30_000, 50);
  /** The input itself goes through Runstream's route (Vertesia's `UserInput` is only a signal). */
  const giveInput = async (runId: string, content: string) => {
    const res = await current().system.api().as(token).post(`/v1/agent-runs/${runId}/input`, { content });
    expect([res.status, res.body?.run?.status]).toEqual([200, 'running']);
  };
  const untilStatus = (runId: string, status: string) =>
    waitFor(`agent run ${runId} ${status}`, async () => {
      const run = await current().client.agents('retrieve', runId);
      return run.status === status ? run : null;
    }, 40_000, 100);
  /**
   * The stored messages of a run that has ended. The stream is served from the event log and can
   * be a moment ahead of the read model `/updates` and `retrieve` answer from, so a comparison
   * waits for `retrieve` to show the end first (the same projection writes both).
   */
  const storedMessagesOnceEnded = async (runId: string, status = 'completed'): Promise<AgentMessage[]> => {
    await untilStatus(runId, status);
    return current().client.agents('retrieveMessages', runId);
  };
  return { startRun, coreStatus, untilWaiting, giveInput, untilStatus, storedMessagesOnceEnded };
}
