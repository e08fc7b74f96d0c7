// Drives the official Vertesia TypeScript client (`@vertesia/client`, an ES module jest cannot
// load) for test/vertesia-client-streams.e2e-spec.ts and test/vertesia-client-runs.e2e-spec.ts.
//
//   node test/support/vertesia-client-driver.mjs <storeUrl> <jwt> [scenario]
//
// The only scenario is `rpc` (the default): one JSON request per line on stdin,
// `{ "id": 1, "op": "agents", "args": { "method": "retrieve", "params": ["<runId>"] } }`, one JSON
// answer per line on stdout, `{ "id": 1, "ok": true, "result": … }` or `{ "id": 1, "ok": false,
// "error": { name, message, status, payload } }`. Everything the client itself prints goes to
// stderr, so stdout carries only answers. Long calls (streamMessages) run in the background under a
// handle, so the test can act on the run (give it input, …) while a stream is open.
//
// The client is configured as a Vertesia user would: `new VertesiaClient({ serverUrl, storeUrl })`
// and `.withAuthCallback(async () => 'Bearer ' + token)`.

import { createInterface } from 'node:readline';

const [storeUrl, token, scenario = 'rpc'] = process.argv.slice(2);
if (!storeUrl || !token || scenario !== 'rpc') {
  process.stderr.write('usage: vertesia-client-driver.mjs <storeUrl> <jwt> [rpc]\n');
  process.exit(2);
}

// The client logs reconnects with console.log: keep stdout for answers only.
const log = (...args) => process.stderr.write(`${args.map((a) => (typeof a === 'string' ? a : safeJson(a))).join(' ')}\n`);
const clientLogs = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    clientLogs.push({ level, at: Date.now(), text: args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : safeJson(a))).join(' ') });
    log(`[client ${level}]`, ...args);
  };
}

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

// Every HTTP request the client makes (JSON calls, the EventSource's fetch, signed-URL transfers),
// recorded before the client is loaded so it picks the wrapper up as the global fetch.
const requests = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async function recordingFetch(input, init = {}) {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const method = (init.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
  const headers = Object.fromEntries(new Headers(init.headers ?? (typeof input === 'object' && 'headers' in input ? input.headers : undefined)).entries());
  const entry = { at: Date.now(), method, url, headers, status: null, contentType: null, error: null };
  requests.push(entry);
  try {
    const res = await realFetch(input, init);
    entry.status = res.status;
    entry.contentType = res.headers.get('content-type');
    return res;
  } catch (error) {
    entry.error = error?.message ?? String(error);
    throw error;
  }
};

const { VertesiaClient } = await import('@vertesia/client');
const client = new VertesiaClient({ serverUrl: storeUrl, storeUrl }).withAuthCallback(async () => 'Bearer ' + token);
const agents = client.store.agents;

/** Open `streamMessages` calls by handle. */
const streams = new Map();

const errorOf = (error) => ({
  name: error?.name ?? 'Error',
  message: error?.message ?? String(error),
  status: error?.status ?? null,
  payload: error?.payload ?? null,
});

const ops = {
  /** Any `client.store.agents` method with JSON parameters; its JSON result. */
  async agents({ method, params = [] }) {
    if (typeof agents[method] !== 'function') throw new Error(`no such method agents.${method}`);
    return await agents[method](...params);
  },

  /** `uploadArtifact(id, path, bytes, type)` with the bytes given in base64. */
  async upload({ runId, path, base64, contentType }) {
    const bytes = Buffer.from(base64, 'base64');
    const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return await agents.uploadArtifact(runId, path, body, contentType);
  },

  /** `downloadArtifact(id, path)`, its ReadableStream read to the end; the bytes in base64. */
  async download({ runId, path }) {
    const stream = await agents.downloadArtifact(runId, path);
    const chunks = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    return { base64: Buffer.concat(chunks).toString('base64') };
  },

  /** Starts `streamMessages(runId, onMessage, since, signal, options)` in the background. */
  async streamStart({ handle, runId, since, closeOnIdle }) {
    if (streams.has(handle)) throw new Error(`stream ${handle} exists`);
    const controller = new AbortController();
    const state = {
      messages: [],
      history: null,
      historyError: null,
      settled: false,
      resolvedWith: undefined,
      error: null,
      startedAt: Date.now(),
      settledAt: null,
      controller,
      messagesAfterSettle: 0,
    };
    const options = {
      ...(closeOnIdle ? { closeOnIdle: true } : {}),
      onHistoryLoaded: (history) => (state.history = history.length),
      onHistoryError: (error) => (state.historyError = errorOf(error)),
    };
    state.promise = agents
      .streamMessages(
        runId,
        (message) => {
          if (state.settled) state.messagesAfterSettle++;
          state.messages.push({ ...message, received_at: Date.now() });
        },
        since,
        controller.signal,
        options,
      )
      .then(
        (value) => Object.assign(state, { settled: true, settledAt: Date.now(), resolvedWith: value ?? null }),
        (error) => Object.assign(state, { settled: true, settledAt: Date.now(), error: errorOf(error) }),
      );
    streams.set(handle, state);
    return { startedAt: state.startedAt };
  },

  /** Waits up to `timeoutMs` for the stream's promise; the messages either way. */
  async streamWait({ handle, timeoutMs = 30_000 }) {
    const state = streams.get(handle);
    if (!state) throw new Error(`no stream ${handle}`);
    await Promise.race([state.promise, new Promise((r) => setTimeout(r, timeoutMs))]);
    return view(state);
  },

  /** The messages so far, without waiting. */
  async streamPeek({ handle }) {
    const state = streams.get(handle);
    if (!state) throw new Error(`no stream ${handle}`);
    return view(state);
  },

  /** Waits until the stream has delivered a message of numeric `type` (or times out). */
  async streamUntil({ handle, type, timeoutMs = 30_000 }) {
    const state = streams.get(handle);
    if (!state) throw new Error(`no stream ${handle}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !state.messages.some((m) => m.type === type) && !state.settled) await new Promise((r) => setTimeout(r, 20));
    return view(state);
  },

  async streamAbort({ handle }) {
    const state = streams.get(handle);
    if (!state) throw new Error(`no stream ${handle}`);
    state.controller.abort();
    await Promise.race([state.promise, new Promise((r) => setTimeout(r, 2_000))]);
    return view(state);
  },

  /** The HTTP requests the client made (optionally only those after index `from`). */
  async requests({ from = 0 } = {}) {
    return requests.slice(from);
  },

  async logs() {
    return clientLogs;
  },
};

const view = (state) => ({
  settled: state.settled,
  resolvedWith: state.resolvedWith,
  error: state.error,
  history: state.history,
  historyError: state.historyError,
  startedAt: state.startedAt,
  settledAt: state.settledAt,
  messagesAfterSettle: state.messagesAfterSettle,
  messages: state.messages,
});

const reply = (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line.trim()) return;
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return reply({ id: null, ok: false, error: { name: 'BadRequest', message: `not JSON: ${line}` } });
  }
  const op = ops[request.op];
  if (!op) return reply({ id: request.id, ok: false, error: { name: 'BadRequest', message: `unknown op ${request.op}` } });
  Promise.resolve()
    .then(() => op(request.args ?? {}))
    .then(
      (result) => reply({ id: request.id, ok: true, result: result === undefined ? null : result }),
      (error) => reply({ id: request.id, ok: false, error: errorOf(error) }),
    );
});
// stdin closed: the test is done with us; open streams (and their timers) must not keep us alive.
lines.on('close', () => {
  for (const state of streams.values()) state.controller.abort();
  setTimeout(() => process.exit(0), 100);
});
