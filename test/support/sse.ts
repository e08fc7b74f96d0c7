import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RunReporter } from '#agent-sdk';
import type { WorkerReport } from '#contracts';
import { EventStore } from '#messaging';
import type { TestSystem } from './system';

/** One SSE block as written on the wire (fields up to a blank line). */
export interface SseBlock {
  id?: string;
  retry?: number;
  data?: string;
  comments: string[];
}

/** A `data:` payload of the Travelmode stream. */
export type Frame = { type: string; [key: string]: any };

/** Splits complete blocks off `text`; the unfinished tail is returned as `rest`. */
export function parseBlocks(text: string): { blocks: SseBlock[]; rest: string } {
  const parts = text.split(/\r?\n\r?\n/);
  const rest = parts.pop() ?? '';
  const blocks = parts.map((part) => {
    const block: SseBlock = { comments: [] };
    for (const line of part.split(/\r?\n/)) {
      if (line.startsWith(':')) block.comments.push(line.slice(1).trim());
      else {
        const at = line.indexOf(':');
        const field = at < 0 ? line : line.slice(0, at);
        const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
        if (field === 'id') block.id = value;
        else if (field === 'retry') block.retry = Number(value);
        else if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
      }
    }
    return block;
  });
  return { blocks, rest };
}

export const runEventSequences = (frames: Frame[]) => frames.filter((f) => f.type === 'run_event').map((f) => f.event.sequence as number);
export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw `fetch` SSE client: keeps the exact text, the blocks and the parsed frames. */
export class SseConnection {
  status = 0;
  headers!: Headers;
  /** The JSON body of a non-200 answer. */
  body: any;
  text = '';
  blocks: SseBlock[] = [];
  frames: Frame[] = [];
  /** 'server': the body ended; 'client': aborted here; 'error': the transport failed. */
  endedBy: 'server' | 'client' | 'error' | null = null;
  done!: Promise<void>;
  private readonly controller = new AbortController();

  /** `token` goes in the session cookie, `bearer` in Authorization. */
  static async open(url: string, options: { token?: string; bearer?: string; headers?: Record<string, string> } = {}): Promise<SseConnection> {
    const connection = new SseConnection();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token) headers.cookie = `session_token=${options.token}`;
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    const res = await fetch(url, { headers, signal: connection.controller.signal });
    connection.status = res.status;
    connection.headers = res.headers;
    if (res.status !== 200 || !res.body) {
      const text = await res.text();
      connection.body = text ? JSON.parse(text) : undefined;
      connection.endedBy = 'server';
      connection.done = Promise.resolve();
      return connection;
    }
    connection.done = connection.pump(res.body);
    return connection;
  }

  get sequences(): number[] {
    return runEventSequences(this.frames);
  }

  get last(): number | undefined {
    return this.sequences.at(-1);
  }

  abort(): void {
    if (this.endedBy) return;
    this.endedBy = 'client';
    this.controller.abort();
  }

  /** Waits until `ready(this)` holds; fails on timeout or when the stream ends first. */
  async until(ready: (c: SseConnection) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready(this)) {
      if (this.endedBy) throw new Error(`stream ended (${this.endedBy}) before the condition held: ${this.text.slice(-500)}`);
      if (Date.now() > deadline) throw new Error(`timed out; stream so far: ${this.text.slice(-500)}`);
      await sleep(5);
    }
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const chunk = decoder.decode(value, { stream: true });
        this.text += chunk;
        const { blocks, rest } = parseBlocks(pending + chunk);
        pending = rest;
        for (const block of blocks) {
          this.blocks.push(block);
          if (block.data !== undefined) this.frames.push(JSON.parse(block.data));
        }
      }
      this.endedBy ??= 'server';
    } catch {
      this.endedBy ??= 'error';
    }
  }
}

/** Drives runs as their worker does (RunReporter): the reference agent must be disabled. */
export class RunDriver {
  private readonly reporter: RunReporter;

  constructor(
    private readonly system: TestSystem,
    readonly user: string,
  ) {
    this.reporter = new RunReporter(new EventStore(system.nc, system.js, system.jsm));
  }

  /** A pending run of `user` (its RunCreated is sequence 0: streams start after it). */
  async pendingRun(): Promise<string> {
    const api = this.system.api(this.user);
    const created = await api.post('/v1/agent-runs', { tripId: await this.system.thread(this.user), triggerMessage: 'stream me' });
    if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.run.id as string;
  }

  /** Appends RunStarted: sequence 1. */
  async start(runId: string): Promise<void> {
    const res = await this.system.api(this.user).post(`/v1/agent-runs/${runId}/control`, { action: 'start' });
    if (res.status !== 200) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** `count` RunPhaseStarted events, `batch` per report, pausing `pauseMs` between reports. */
  async phases(runId: string, count: number, batch = 1, pauseMs = 0): Promise<void> {
    for (let done = 0; done < count; done += batch) {
      const n = Math.min(batch, count - done);
      const reports: WorkerReport[] = Array.from({ length: n }, () => ({ kind: 'phase_started', phase: 'reason' }));
      await this.reporter.report({ runId, attempt: 1, reports, commandId: randomUUID(), agent: 'trip-planner' });
      if (pauseMs) await sleep(pauseMs);
    }
  }

  async complete(runId: string): Promise<void> {
    await this.reporter.report({ runId, attempt: 1, reports: [{ kind: 'completed', result: { ok: true } }], commandId: randomUUID(), agent: 'trip-planner' });
  }

  /** Start, `phases` events, completed: N = phases + 2 events after since=0. */
  async play(runId: string, phases: number, batch = 1, pauseMs = 0): Promise<number> {
    await this.start(runId);
    await this.phases(runId, phases, batch, pauseMs);
    await this.complete(runId);
    return phases + 2;
  }

  /** A run already completed with `phases + 2` events after since=0. */
  async finishedRun(phases: number): Promise<{ runId: string; n: number }> {
    const runId = await this.pendingRun();
    const n = await this.play(runId, phases, 10);
    await this.system.waitForRun(this.user, runId, (s) => s === 'completed');
    return { runId, n };
  }
}

/**
 * A client that keeps reconnecting with `since` = the last sequence it saw until `run_finished`;
 * `disconnectAfterMs()` picks when it drops each connection (undefined: never). Returns every
 * connection's run_event sequences, in order (after `from`, default 0).
 */
export async function resumingClient(
  url: (since: number) => string,
  token: string,
  disconnectAfterMs: (attempt: number) => number | undefined,
  options: { headers?: (last: number) => Record<string, string>; timeoutMs?: number; from?: number } = {},
): Promise<{ sequences: number[]; connections: number; finished: Frame }> {
  const sequences: number[] = [];
  const from = options.from ?? 0;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const last = sequences.at(-1) ?? from;
    let c: SseConnection;
    try {
      c = await SseConnection.open(url(last), { token, headers: options.headers?.(last) });
    } catch {
      await sleep(50); // the service is down: try again
      continue;
    }
    if (c.status !== 200) {
      await sleep(50);
      continue;
    }
    const cut = disconnectAfterMs(attempt);
    const timer = cut === undefined ? undefined : setTimeout(() => c.abort(), cut);
    await c.done;
    clearTimeout(timer);
    sequences.push(...c.sequences);
    const finished = c.frames.find((f) => f.type === 'run_finished');
    if (finished) return { sequences, connections: attempt + 1, finished };
  }
  throw new Error(`no run_finished in time; saw ${sequences.length} events`);
}

/** test/support/slow-client.py: a raw HTTP client with a tiny receive window that reads only when told. */
export class SlowClient {
  private constructor(private readonly child: ChildProcess) {}

  static async connect(port: number, path: string, token: string): Promise<SlowClient> {
    const child = spawn('python3', [join(__dirname, 'slow-client.py'), String(port), path, token], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('error', (e) => reject(new Error(`python3 is needed for the slow-client test: ${e.message}`)));
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`slow client exited with ${code}`)));
    });
    return new SlowClient(child);
  }

  /** Starts reading; resolves with everything received once the server closed the connection. */
  async readAll(): Promise<{ received: string; how: string }> {
    const out: Buffer[] = [];
    let err = '';
    this.child.stdout!.on('data', (c: Buffer) => out.push(c));
    this.child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end('go\n');
    await exited;
    return { received: Buffer.concat(out).toString('utf8'), how: /END (\w+)/.exec(err)?.[1] ?? err };
  }
}
