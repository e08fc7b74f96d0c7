import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentHandler, AgentRun, RunContext } from '#agent-sdk';
import { findDestination, itinerary, searchAttractions, tripDays, type Attraction } from './destinations';
import { streamChat, type LlmOptions } from './llm';

/** Marker in a trigger message that makes the first attempt fail at `act` (to demo retry). */
export const FAIL_ONCE_MARKER = '#fail-once';

export interface TripPlannerOptions {
  stepMs: number;
  inputTimeoutMs: number;
  /** Streams real model tokens when set; otherwise the reasoning is scripted. */
  llm: LlmOptions | null;
  /** Store candidates/proposals through the artifact-service (off: they are only in the result). */
  artifacts: boolean;
}

export const TRIP_PLANNER_TOOLS = [
  { name: 'search_attractions', description: 'Sights, museums, walks and food of a destination' },
];

/** The phases it walks: Travelmode's eight (seed 000), which it declares when it registers. */
export const TRIP_PLANNER_PHASES = ['understand', 'plan', 'retrieve', 'reason', 'act', 'compose', 'deliver', 'done'] as const;

/**
 * What the traveller asks, the same way in every dialect: the latest user message of the
 * conversation — the trigger message (Travelmode), the thread's last message (seed 003), or
 * `data.task` (Vertesia) — and the trigger message for runs without a conversation.
 */
export function requestOf(run: AgentRun): string {
  const asked = run.conversation.filter((m) => m.role === 'user').at(-1)?.content;
  return asked ?? run.triggerMessage;
}

/**
 * The reference agent: understand → plan → retrieve → reason → act → compose → deliver → done,
 * paced by `stepMs` so streaming and cancellation can be watched. Offline and deterministic unless
 * an LLM is configured. A request that names no destination waits for input asking where to.
 */
export function tripPlanner(options: TripPlannerOptions): AgentHandler {
  return async (run, ctx) => {
    const pause = () => sleep(options.stepMs, undefined, { signal: ctx.signal });
    const asked = requestOf(run);
    let request = asked;
    // Any signal is a note from the traveller ("window seat"): kept with the plan, in arrival order.
    const notes: { signal: string; payload: unknown }[] = [];
    ctx.onSignal('*', (payload, name) => {
      notes.push({ signal: name, payload });
    });

    await ctx.phase('understand');
    await pause();
    let destination = findDestination(request);
    if (!destination) {
      const answer = await ctx.waitForInput('Where would you like to go?', {
        expiresAt: new Date(Date.now() + options.inputTimeoutMs),
      });
      request = `${request} (${answer})`;
      // Free text names the place; a place name is short, whatever was typed.
      destination = findDestination(answer) ?? capitalize(answer.trim().slice(0, 80));
    }
    const days = tripDays(request);

    await ctx.phase('plan');
    ctx.delta(`Planning ${days} day${days === 1 ? '' : 's'} in ${destination}. `);
    await pause();

    await ctx.phase('retrieve');
    const callId = await ctx.toolCall('search_attractions', { destination });
    await pause();
    const attractions = searchAttractions(destination);
    await ctx.toolResult(callId, attractions);

    await ctx.phase('reason');
    await reason(ctx, options, request, destination, attractions);
    await pause();

    await ctx.phase('act');
    if (run.attempt === 1 && asked.includes(FAIL_ONCE_MARKER))
      throw new Error('simulated failure on the first attempt');
    const store = async (artifactType: string, title: string, content: unknown) =>
      options.artifacts ? (await ctx.artifact({ artifactType, title, content })).id : null;
    const candidates = await store('candidates', `Things to do in ${destination}`, { destination, attractions });
    await pause();

    await ctx.phase('compose');
    const plan = itinerary(attractions, days);
    const proposals = await store('proposals', `${days} days in ${destination}`, { destination, days, itinerary: plan });
    await pause();

    await ctx.phase('deliver');
    await ctx.describe({ name: slug(`${days}-days-${destination}`), title: `${days} days in ${destination}`, topic: destination });
    ctx.answer(answerOf(destination, days, plan));
    await pause();
    await ctx.phase('done');
    return {
      summary: `Plan ready for: ${asked}`,
      destination,
      days,
      artifacts: { candidates, proposals },
      itinerary: plan,
      notes,
      // How much conversation it was handed: a thread's later runs, restarts and forks carry more.
      turns: run.conversation.length,
    };
  };
}

async function reason(
  ctx: RunContext,
  options: TripPlannerOptions,
  request: string,
  destination: string,
  attractions: Attraction[],
): Promise<void> {
  if (options.llm) {
    const usage = await streamChat(
      options.llm,
      [
        { role: 'system', content: 'You are a concise travel planner.' },
        { role: 'user', content: `${request}\nCandidate attractions: ${attractions.map((a) => a.name).join('; ')}` },
      ],
      (text) => ctx.delta(text),
      ctx.signal,
    );
    ctx.usage(usage);
    return;
  }
  const words = [
    `${destination} has ${attractions.length} highlights worth the time.`,
    ` Museums go in the mornings, walks in the afternoons,`,
    ` and every evening ends with dinner near the day's last stop.`,
  ];
  for (const text of words) {
    ctx.delta(text);
    await sleep(options.stepMs / words.length, undefined, { signal: ctx.signal });
  }
  // Deterministic offline usage: what a small model would have spent on this request.
  const inputTokens = 40 + request.length;
  ctx.usage({ inputTokens, outputTokens: 60, cachedInputTokens: 32, costUsd: 0.00021, credits: 1, model: 'trip-planner-offline' });
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64);

/** The answer a conversation records: the itinerary, one line per day. */
function answerOf(destination: string, days: number, plan: ReturnType<typeof itinerary>): string {
  const lines = plan.map((day) => `Day ${day.day}: ${day.items.join(', ')}`);
  return [`${days} day${days === 1 ? '' : 's'} in ${destination}:`, ...lines].join('\n');
}
