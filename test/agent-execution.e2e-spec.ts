import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_INPUT_BYTES } from '#contracts';
import { TRAVELMODE_PHASES } from '#dialects';
import {
  allEvents,
  createRun,
  expectSequential,
  startRun,
  waitForEvent,
} from './support/agent-runs';
import { TestSystem } from './support/system';

const ROME = 'Plan 3 days in Rome';
/** What the offline reference agent streams for ROME (plan phase + scripted reasoning). */
const ROME_TEXT =
  'Planning 3 days in Rome. Rome has 7 highlights worth the time. Museums go in the mornings, walks in the afternoons,' +
  " and every evening ends with dinner near the day's last stop.";

/**
 * Agent execution through real processes: the reference agent (trip-planner worker process) and
 * in-process SDK workers for custom agents, driven through the Travelmode API.
 */
describe('agent execution', () => {
  let system: TestSystem;
  const user = 'usr_exec';
  let completedRunId = '';

  beforeAll(async () => {
    system = await TestSystem.start({
      workers: 1,
      workerEnv: { TRIP_PLANNER_STEP_MS: '100' },
      runServiceEnv: { LEASE_CHECK_INTERVAL_MS: '200', INPUT_EXPIRY_WARNING_MS: '1500' },
    });
    // A slow reference agent under its own agent name, so queries can be asked mid-run.
    await system.startWorker({ AGENT_NAME: 'trip-planner-slow', TRIP_PLANNER_STEP_MS: '1000' });
    // One whose input requests expire quickly.
    await system.startWorker({ AGENT_NAME: 'trip-planner-impatient', TRIP_PLANNER_INPUT_TIMEOUT_MS: '2500' });
  });
  afterAll(() => system?.stop());

  const api = () => system.api(user);
  const getRun = async (runId: string) => {
    const res = await api().get(`/v1/agent-runs/${runId}`);
    expect(res.status).toBe(200);
    return res.body.run;
  };

  it('runs the reference agent to completion: every phase, deltas, a tool call and usage, in order', async () => {
    const runId = await startRun(system, user, ROME);
    const run = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
    expect(run.status).toBe('completed');
    completedRunId = runId;

    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(run.lastEventSequence).toBe(events.length);
    expect(events[0]!.eventType).toBe('RUN_STARTED');
    expect(events[1]).toMatchObject({ eventType: 'WORKER_ASSIGNED', payload: { attempt: 1, workerId: expect.any(String) } });
    expect(events.at(-1)!.eventType).toBe('RUN_COMPLETED');

    const types = events.map((e) => e.eventType);
    const phases = events.filter((e) => e.eventType === 'PHASE_STARTED').map((e) => e.payload.phase);
    expect(phases).toEqual([...TRAVELMODE_PHASES]);
    expect(phases).toEqual(['understand', 'plan', 'retrieve', 'reason', 'act', 'compose', 'deliver', 'done']);

    const deltas = events.filter((e) => e.eventType === 'MESSAGE_DELTA');
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((d) => d.payload.text).join('')).toBe(ROME_TEXT);

    const calls = events.filter((e) => e.eventType === 'TOOL_CALL');
    const results = events.filter((e) => e.eventType === 'TOOL_RESULT');
    expect(calls).toHaveLength(1);
    expect(results).toHaveLength(1);
    expect(calls[0]!.payload).toEqual({ callId: expect.any(String), name: 'search_attractions', input: { destination: 'Rome' } });
    expect(results[0]!.payload.callId).toBe(calls[0]!.payload.callId);
    expect(results[0]!.payload.isError).toBe(false);
    expect(results[0]!.payload.output).toHaveLength(7);
    expect(results[0]!.payload.output[0]).toEqual({ name: 'Colosseum and Roman Forum', kind: 'sight', hours: 4 });
    const phaseAt = (p: string) => events.findIndex((e) => e.eventType === 'PHASE_STARTED' && e.payload.phase === p);
    expect(events.indexOf(calls[0]!)).toBeGreaterThan(phaseAt('retrieve'));
    expect(events.indexOf(results[0]!)).toBeGreaterThan(events.indexOf(calls[0]!));
    expect(events.indexOf(results[0]!)).toBeLessThan(phaseAt('reason'));

    const usage = events.filter((e) => e.eventType === 'USAGE_RECORDED');
    expect(usage.length).toBeGreaterThan(0);
    expect(types.indexOf('USAGE_RECORDED')).toBeGreaterThan(phaseAt('reason'));
    const sum = (k: string) => usage.reduce((acc, e) => acc + (e.payload[k] as number), 0);
    expect(usage[0]!.payload).toEqual({
      inputTokens: 40 + ROME.length,
      outputTokens: 60,
      cachedInputTokens: 32,
      costUsd: 0.00021,
      credits: 1,
      model: 'trip-planner-offline',
    });

    const final = await getRun(runId);
    expect(final).toMatchObject({
      status: 'completed',
      phase: 'done',
      attempt: 1,
      totalInputTokens: sum('inputTokens'),
      totalOutputTokens: sum('outputTokens'),
      creditsUsed: sum('credits'),
      model: 'trip-planner-offline',
    });
    expect(final.totalCostUsd).toBeCloseTo(sum('costUsd'), 10);
    expect(final.cacheHitRate).toBeCloseTo(sum('cachedInputTokens') / sum('inputTokens'), 10);
    expect(final.durationMs).toBe(Date.parse(final.finishedAt) - Date.parse(final.startedAt));
    expect(final.durationMs).toBeGreaterThan(0);
    expect(final.result).toMatchObject({ destination: 'Rome', days: 3 });
    expect(final.result.itinerary).toHaveLength(3);

    // Its candidates and proposals went through the artifact-service: ARTIFACT_CREATED in the
    // log, in the run's `artifacts`, and readable with their content.
    const created = events.filter((e) => e.eventType === 'ARTIFACT_CREATED');
    expect(created.map((e) => e.payload.artifactType)).toEqual(['candidates', 'proposals']);
    const listed = await api().get(`/v1/agent-runs/${runId}/artifacts`);
    expect(listed.body.artifacts.map((a: any) => [a.id, a.artifactType])).toEqual(created.map((e) => [e.payload.artifactId, e.payload.artifactType]));
    expect(final.result.artifacts).toEqual({ candidates: created[0]!.payload.artifactId, proposals: created[1]!.payload.artifactId });
    const proposals = await api().get(`/v1/agent-runs/${runId}/artifacts/${created[1]!.payload.artifactId}`);
    expect(proposals.body.artifact).toMatchObject({ artifactType: 'proposals', title: '3 days in Rome' });
    expect(proposals.body.artifact.content).toMatchObject({ destination: 'Rome', days: 3 });
    expect(proposals.body.artifact.content.itinerary).toEqual(final.result.itinerary);
  });

  it('waits for input when no destination is named, and completes with the destination the client gives', async () => {
    const runId = await startRun(system, user, 'Plan a trip');
    const waiting = await system.waitForRun(user, runId, (s) => s !== 'running' && s !== 'pending');
    expect(waiting.status).toBe('waiting_for_input');
    expect(waiting.inputPrompt).toBe('Where would you like to go?');
    expect(Date.parse(waiting.inputExpiresAt)).toBeGreaterThan(Date.now());
    const before = await allEvents(system, user, runId);
    expect(before.at(-1)).toMatchObject({
      eventType: 'WAITING_FOR_INPUT',
      payload: { prompt: 'Where would you like to go?', inputExpiresAt: waiting.inputExpiresAt },
    });
    expect(waiting.lastEventSequence).toBe(before.length);
    // Waiting for input is active: the worker still answers queries.
    const plan = await api().get(`/v1/agent-runs/${runId}/query/AgentPlan`);
    expect(plan.status).toBe(200);
    expect(plan.body.result).toEqual({ phases: [...TRAVELMODE_PHASES], completed: [], current: 'understand' });

    // Too large: refused with 413, nothing appended, still waiting (ASCII, then multi-byte UTF-8).
    for (const content of ['x'.repeat(MAX_INPUT_BYTES + 1), 'é'.repeat(MAX_INPUT_BYTES / 2 + 1)]) {
      const tooLarge = await api().post(`/v1/agent-runs/${runId}/input`, { content });
      expect({ status: tooLarge.status, body: tooLarge.body }).toEqual({ status: 413, body: { error: expect.any(String) } });
    }
    const unchanged = await getRun(runId);
    expect(unchanged).toMatchObject({ status: 'waiting_for_input', lastEventSequence: waiting.lastEventSequence });
    expect(await allEvents(system, user, runId)).toHaveLength(before.length);

    // A signal while waiting reaches the agent: the trip planner keeps it as a note of the plan.
    const noted = await api().post(`/v1/agent-runs/${runId}/signal/Note`, { text: 'window seat' });
    expect(noted.status).toBe(200);
    expect(noted.body.run.lastEventSequence).toBe(waiting.lastEventSequence + 1);

    const answered = await api().post(`/v1/agent-runs/${runId}/input`, { content: 'Lisbon' });
    expect(answered.status).toBe(200);
    expect(answered.body.run).toMatchObject({ id: runId, inputPrompt: null, inputExpiresAt: null });
    expect(['running', 'completed']).toContain(answered.body.run.status);
    expect(answered.body.run.lastEventSequence).toBe(waiting.lastEventSequence + 2);

    const done = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ destination: 'Lisbon', days: 3, notes: [{ signal: 'Note', payload: { text: 'window seat' } }] });
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    const received = events.findIndex((e) => e.eventType === 'INPUT_RECEIVED');
    expect(events[received]!.payload).toEqual({ content: 'Lisbon' });
    expect(events[received - 1]).toMatchObject({ eventType: 'SIGNAL_RECEIVED', payload: { name: 'Note', payload: { text: 'window seat' } } });
    expect(received).toBe(before.length + 1); // after WAITING_FOR_INPUT and the signal
    expect(events.slice(received + 1).find((e) => e.eventType === 'PHASE_STARTED')?.payload.phase).toBe('plan');
    expect(events.find((e) => e.eventType === 'TOOL_CALL')?.payload.input).toEqual({ destination: 'Lisbon' });
  });

  it('an unanswered input request warns (INPUT_EXPIRING) and then fails the run at its deadline', async () => {
    const runId = await startRun(system, user, 'Plan a trip', 'trip-planner-impatient');
    const waiting = await system.waitForRun(user, runId, (s) => s !== 'running' && s !== 'pending');
    expect(waiting.status).toBe('waiting_for_input');
    const expiresAt = waiting.inputExpiresAt as string;
    const failed = await system.waitForRun(user, runId, (s) => s !== 'waiting_for_input', 10_000);
    expect(failed).toMatchObject({ status: 'failed', errorMessage: `no input was provided before ${expiresAt}` });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    await sleep(300);
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    expect(events.slice(-3).map((e) => [e.eventType, e.payload])).toEqual([
      ['WAITING_FOR_INPUT', { prompt: 'Where would you like to go?', inputExpiresAt: expiresAt }],
      ['INPUT_EXPIRING', { inputExpiresAt: expiresAt }],
      ['RUN_FAILED', { errorMessage: failed.errorMessage }],
    ]);
    const late = await api().post(`/v1/agent-runs/${runId}/input`, { content: 'Lisbon' });
    expect(late.status).toBe(400);
  });

  it('accepts input of exactly 32 KB (UTF-8 bytes)', async () => {
    const runId = await startRun(system, user, 'Plan a trip');
    const waiting = await system.waitForRun(user, runId, (s) => s === 'waiting_for_input');
    const content = 'é'.repeat(MAX_INPUT_BYTES / 2);
    expect(Buffer.byteLength(content)).toBe(32 * 1024);
    const res = await api().post(`/v1/agent-runs/${runId}/input`, { content });
    expect(res.status).toBe(200);
    expect(res.body.run.lastEventSequence).toBe(waiting.lastEventSequence + 1);
    await system.waitForRun(user, runId, (s) => s === 'completed');
  });

  it('refuses input with 400 when the run is not waiting for input (pending, running, completed)', async () => {
    const pending = await createRun(system, user, ROME);
    const res1 = await api().post(`/v1/agent-runs/${pending}/input`, { content: 'Lisbon' });
    expect({ status: res1.status, body: res1.body }).toEqual({ status: 400, body: { error: expect.any(String) } });
    expect((await getRun(pending)).lastEventSequence).toBe(0);

    const running = await startRun(system, user, 'Plan 2 days in Paris', 'trip-planner-slow');
    await system.waitForRun(user, running, (s) => s === 'running');
    const res2 = await api().post(`/v1/agent-runs/${running}/input`, { content: 'Lisbon' });
    expect(res2.status).toBe(400);
    expect((await allEvents(system, user, running)).some((e) => e.eventType === 'INPUT_RECEIVED')).toBe(false);
    await api().post(`/v1/agent-runs/${running}/control`, { action: 'cancel', reason: 'test done' });

    expect(completedRunId).not.toBe('');
    const before = (await getRun(completedRunId)).lastEventSequence;
    const res3 = await api().post(`/v1/agent-runs/${completedRunId}/input`, { content: 'Lisbon' });
    expect({ status: res3.status, body: res3.body }).toEqual({ status: 400, body: { error: expect.any(String) } });
    expect((await getRun(completedRunId)).lastEventSequence).toBe(before);
  });

  it('retry puts a new work item on the queue: a failed first attempt is executed again as attempt 2', async () => {
    const runId = await startRun(system, user, 'Plan 2 days in Tokyo #fail-once');
    const failed = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
    expect(failed).toMatchObject({ status: 'failed', attempt: 1, errorMessage: 'simulated failure on the first attempt' });
    const retried = await api().post(`/v1/agent-runs/${runId}/control`, { action: 'retry' });
    expect(retried.status).toBe(200);
    const done = await system.waitForRun(user, runId, (s) => s === 'completed' || s === 'failed');
    expect(done).toMatchObject({ status: 'completed', attempt: 2, errorMessage: null });
    expect(done.result).toMatchObject({ destination: 'Tokyo', days: 2 });
    const events = await allEvents(system, user, runId);
    expectSequential(events);
    const retryAt = events.findIndex((e) => e.eventType === 'RUN_RETRIED');
    expect(events[retryAt - 1]).toMatchObject({ eventType: 'RUN_FAILED', payload: { errorMessage: failed.errorMessage } });
    expect(events[retryAt]!.payload).toMatchObject({ attempt: 2 });
    expect(events.filter((e) => e.eventType === 'WORKER_ASSIGNED').map((e) => e.payload.attempt)).toEqual([1, 2]);
    expect(events.slice(retryAt).filter((e) => e.eventType === 'PHASE_STARTED').map((e) => e.payload.phase)).toEqual([
      ...TRAVELMODE_PHASES,
    ]);
  });

  it('answers queries from the worker holding a running run, and shows live metrics', async () => {
    const trigger = 'Plan 3 days in Rome slowly';
    const runId = await startRun(system, user, trigger, 'trip-planner-slow');
    // The tool call stays open for one step (1 s) in the retrieve phase.
    const seen = await waitForEvent(system, user, runId, (e) => e.eventType === 'TOOL_CALL');
    const callId = seen.find((e) => e.eventType === 'TOOL_CALL')!.payload.callId;

    const plan = await api().get(`/v1/agent-runs/${runId}/query/AgentPlan`);
    expect(plan.status).toBe(200);
    expect(plan.body).toEqual({
      name: 'AgentPlan',
      result: { phases: [...TRAVELMODE_PHASES], completed: ['understand', 'plan'], current: 'retrieve' },
    });

    const workstreams = await api().get(`/v1/agent-runs/${runId}/query/ActiveWorkstreams`);
    expect(workstreams.status).toBe(200);
    expect(workstreams.body.result).toEqual([{ callId, tool: 'search_attractions', startedAt: expect.any(String) }]);

    const tools = await api().get(`/v1/agent-runs/${runId}/query/AvailableTools`);
    expect(tools.status).toBe(200);
    expect(tools.body).toEqual({
      name: 'AvailableTools',
      result: [{ name: 'search_attractions', description: 'Sights, museums, walks and food of a destination' }],
    });

    const unknown = await api().get(`/v1/agent-runs/${runId}/query/NoSuchQuery`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: expect.stringContaining('NoSuchQuery') });

    // Usage is reported at the end of `reason`; the run is still running for act/compose/deliver.
    await waitForEvent(system, user, runId, (e) => e.eventType === 'USAGE_RECORDED');
    const live1 = await getRun(runId);
    expect(live1).toMatchObject({
      status: 'running',
      totalInputTokens: 40 + trigger.length,
      totalOutputTokens: 60,
      creditsUsed: 1,
      model: 'trip-planner-offline',
      finishedAt: null,
    });
    expect(live1.cacheHitRate).toBeCloseTo(32 / (40 + trigger.length), 10);
    expect(live1.durationMs).toBeGreaterThan(0);
    await sleep(300);
    const live2 = await getRun(runId);
    expect(live2.status).toBe('running');
    expect(live2.durationMs).toBeGreaterThanOrEqual(live1.durationMs + 250);

    const planLater = await api().get(`/v1/agent-runs/${runId}/query/AgentPlan`);
    // The plan moved on: `reason` (or later) is current and everything before it is completed.
    const current = planLater.body.result.current as (typeof TRAVELMODE_PHASES)[number];
    expect(TRAVELMODE_PHASES.indexOf(current)).toBeGreaterThanOrEqual(TRAVELMODE_PHASES.indexOf('reason'));
    expect(planLater.body.result.completed).toEqual(TRAVELMODE_PHASES.slice(0, TRAVELMODE_PHASES.indexOf(current)));

    const cancelled = await api().post(`/v1/agent-runs/${runId}/control`, { action: 'cancel', reason: 'enough' });
    expect(cancelled.status).toBe(200);
    const after = await api().get(`/v1/agent-runs/${runId}/query/AgentPlan`);
    expect({ status: after.status, body: after.body }).toEqual({ status: 409, body: { error: expect.any(String) } });
  });

  it('answers a query on a completed run with 409', async () => {
    expect(completedRunId).not.toBe('');
    const res = await api().get(`/v1/agent-runs/${completedRunId}/query/AgentPlan`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 409, body: { error: expect.any(String) } });
  });

  it('answers a query on an active run no worker holds with 503', async () => {
    const runId = await startRun(system, user, ROME, 'agent-without-workers');
    expect((await getRun(runId)).status).toBe('running');
    const started = Date.now();
    const res = await api().get(`/v1/agent-runs/${runId}/query/AgentPlan`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { error: expect.any(String) } });
    expect(Date.now() - started).toBeLessThan(10_000);
    await api().post(`/v1/agent-runs/${runId}/control`, { action: 'cancel' });
  });
});
