import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { allEvents, expectSequential, startRun, type TmEvent } from './support/agent-runs';
import { TestSystem } from './support/system';

/** Tokens the fake model streams: JSON escapes, unicode and newlines must come through untouched. */
const TOKENS = ['Rome', ' in', ' three', ' days', ':', ' "ruins",', ' art', ' &', ' caffè', ' ☕', '\n', 'Day 1 —', ' Colosseum.'];
const SERVED_MODEL = 'fake-model-1';

interface Served {
  url: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A local OpenAI-compatible streaming chat-completions endpoint. */
async function fakeLlm(): Promise<{ server: Server; port: number; requests: Served[] }> {
  const requests: Served[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const body = raw ? JSON.parse(raw) : null;
        requests.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404).end();
          return;
        }
        const userText: string = body?.messages?.find((m: any) => m.role === 'user')?.content ?? '';
        const cached = userText.includes('Paris');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
        const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: SERVED_MODEL };
        send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null });
        for (const token of TOKENS) {
          send({ ...base, choices: [{ index: 0, delta: { content: token }, finish_reason: null }], usage: null });
          await sleep(15);
        }
        send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null });
        send({
          ...base,
          choices: [],
          usage: cached
            ? { prompt_tokens: 400, completion_tokens: 13, total_tokens: 413, prompt_tokens_details: { cached_tokens: 100 } }
            : { prompt_tokens: 321, completion_tokens: 13, total_tokens: 334 },
        });
        res.write('data: [DONE]\n\n');
        res.end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

/** The reference agent against a local streaming chat-completions server (LLM_BASE_URL). */
describe('reference agent with an OpenAI-compatible LLM', () => {
  let system: TestSystem;
  let llm: Awaited<ReturnType<typeof fakeLlm>>;
  const user = 'usr_llm';

  beforeAll(async () => {
    llm = await fakeLlm();
    system = await TestSystem.start({
      workers: 1,
      workerEnv: {
        TRIP_PLANNER_STEP_MS: '50',
        LLM_BASE_URL: `http://127.0.0.1:${llm.port}/v1`,
        LLM_MODEL: 'requested-model',
        LLM_API_KEY: 'sk-test-key',
      },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await new Promise((r) => llm?.server.close(r));
  });

  const deltasOf = (events: TmEvent[]) => events.filter((e) => e.eventType === 'MESSAGE_DELTA').map((e) => e.payload.text as string);
  const phaseIndex = (events: TmEvent[], phase: string) =>
    events.findIndex((e) => e.eventType === 'PHASE_STARTED' && e.payload.phase === phase);

  it('streams exactly the served tokens as MESSAGE_DELTA and records exactly the served usage', async () => {
    const served = llm.requests.length;
    const runId = await startRun(system, user, 'Plan 3 days in Rome');
    const run = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
    expect(run.status).toBe('completed');

    const requests = llm.requests.slice(served);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
    expect(requests[0]!.headers.authorization).toBe('Bearer sk-test-key');
    expect(requests[0]!.body).toMatchObject({ model: 'requested-model', stream: true });
    const userMessage = requests[0]!.body.messages.find((m: any) => m.role === 'user').content as string;
    expect(userMessage).toContain('Plan 3 days in Rome');
    expect(userMessage).toContain('Colosseum and Roman Forum');

    const events = await allEvents(system, user, runId);
    expectSequential(events);
    const reasonDeltas = deltasOf(events.slice(phaseIndex(events, 'reason'), phaseIndex(events, 'act')));
    expect(reasonDeltas.join('')).toBe(TOKENS.join(''));
    expect(deltasOf(events).join('')).toBe(`Planning 3 days in Rome. ${TOKENS.join('')}`);
    const messageIds = new Set(events.filter((e) => e.eventType === 'MESSAGE_DELTA').map((e) => e.payload.messageId));
    expect(messageIds.size).toBe(1);

    const usage = events.filter((e) => e.eventType === 'USAGE_RECORDED');
    expect(usage.map((e) => e.payload)).toEqual([
      { inputTokens: 321, outputTokens: 13, cachedInputTokens: 0, costUsd: 0, credits: 0, model: SERVED_MODEL },
    ]);
    expect(run).toMatchObject({
      totalInputTokens: 321,
      totalOutputTokens: 13,
      totalCostUsd: 0,
      creditsUsed: 0,
      cacheHitRate: 0,
      model: SERVED_MODEL,
    });
    expect(run.result).toMatchObject({ destination: 'Rome', days: 3 });
  });

  it('sums usage over runs independently and reports the served prompt-cache hits', async () => {
    const runId = await startRun(system, user, 'Plan 2 days in Paris');
    const run = await system.waitForRun(user, runId, (s) => ['completed', 'failed', 'cancelled'].includes(s));
    expect(run.status).toBe('completed');
    const events = await allEvents(system, user, runId);
    expect(deltasOf(events).join('')).toBe(`Planning 2 days in Paris. ${TOKENS.join('')}`);
    expect(events.filter((e) => e.eventType === 'USAGE_RECORDED').map((e) => e.payload)).toEqual([
      { inputTokens: 400, outputTokens: 13, cachedInputTokens: 100, costUsd: 0, credits: 0, model: SERVED_MODEL },
    ]);
    expect(run).toMatchObject({ totalInputTokens: 400, totalOutputTokens: 13, cacheHitRate: 0.25, model: SERVED_MODEL });
  });
});
