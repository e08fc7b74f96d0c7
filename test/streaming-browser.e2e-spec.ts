import { chromium, type Browser } from 'playwright-core';
import { TRAVELMODE_PHASES } from '#dialects';
import { range, type Frame } from './support/sse';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

/**
 * A real browser's EventSource against the gateway: the session_token cookie is the only credential
 * (EventSource cannot send headers), the page is same-origin, and frames arrive live.
 * Uses Debian's Chromium; never downloads a browser.
 */
describe('live run streaming in a browser (Chromium EventSource)', () => {
  let system: TestSystem;
  let browser: Browser;
  const user = 'usr_browser';

  beforeAll(async () => {
    [system, browser] = await Promise.all([
      TestSystem.start({ workerEnv: { TRIP_PLANNER_STEP_MS: '30' } }),
      chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('an EventSource opened before the run starts receives connected, events 1..N live, and run_finished', async () => {
    const gateway = system.gateway!.url;
    const api = system.api(user);
    const created = await api.post('/v1/agent-runs', { tripId: await system.thread(user), triggerMessage: 'Plan 3 days in Rome' });
    const runId = created.body.run.id as string;

    const context = await browser.newContext();
    await context.addCookies([{ name: 'session_token', value: tokenFor(user), url: gateway, httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    const home = await page.goto(`${gateway}/health/live`);
    expect(home?.status()).toBe(200);

    // Open the stream and wait for it to be connected (the run is still pending).
    await page.evaluate(
      (path) =>
        new Promise<void>((resolve, reject) => {
          const g = globalThis as any;
          const state = { frames: [] as unknown[], ids: [] as string[], errors: 0, done: false };
          g.stream = state;
          const es = new g.EventSource(path);
          es.onmessage = (message: any) => {
            const frame = JSON.parse(message.data);
            state.frames.push(frame);
            if (frame.type === 'run_event') state.ids.push(message.lastEventId);
            if (frame.type === 'connected') resolve();
            if (frame.type === 'run_finished') {
              es.close(); // the server closes next; do not let the browser reconnect
              state.done = true;
            }
          };
          es.onerror = () => {
            state.errors++;
            if (!state.done && es.readyState === 2) reject(new Error('EventSource failed'));
          };
        }),
      `/v1/agent-runs/${runId}/stream?since=0`,
    );
    expect(await page.evaluate(() => (globalThis as any).stream.frames.length)).toBe(1);

    const started = await api.post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    expect(started.status).toBe(200);
    await page.waitForFunction(() => (globalThis as any).stream.done, undefined, { timeout: 20_000 });
    const { frames, ids, errors } = (await page.evaluate(() => (globalThis as any).stream)) as { frames: Frame[]; ids: string[]; errors: number };
    await context.close();

    const run = await api.get(`/v1/agent-runs/${runId}`);
    const n = run.body.run.lastEventSequence as number;
    expect(run.body.run.status).toBe('completed');
    expect(frames[0]).toEqual({ type: 'connected', runId, since: 0 });
    const events = frames.filter((f) => f.type === 'run_event').map((f) => f.event);
    expect(events.map((e) => e.sequence)).toEqual(range(1, n));
    expect(ids).toEqual(range(1, n).map(String));
    expect(events[0].eventType).toBe('RUN_STARTED');
    expect(events.filter((e) => e.eventType === 'PHASE_STARTED').map((e) => e.payload.phase)).toEqual([...TRAVELMODE_PHASES]);
    expect(events.at(-1).eventType).toBe('RUN_COMPLETED');
    expect(frames.at(-1)).toEqual({ type: 'run_finished', status: 'completed', lastEventSequence: n });
    expect(frames.filter((f) => f.type === 'connected')).toHaveLength(1);
    expect(errors).toBe(0);
  });
});
