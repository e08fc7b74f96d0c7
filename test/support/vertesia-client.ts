import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const DRIVER = join(__dirname, 'vertesia-client-driver.mjs');

/** What the official client's `streamMessages` delivered, as recorded by the driver. */
export interface StreamView {
  settled: boolean;
  resolvedWith: unknown;
  error: { name: string; message: string } | null;
  /** Messages the client got from `GET /updates` before opening the SSE (null: not loaded yet). */
  history: number | null;
  historyError: unknown;
  startedAt: number;
  settledAt: number | null;
  /** Messages delivered to the callback after the promise had resolved (should be none). */
  messagesAfterSettle: number;
  messages: AgentMessage[];
}

/** `AgentMessage` of @vertesia/common (numeric `type`), plus when the driver received it. */
export interface AgentMessage {
  timestamp: number;
  workflow_run_id: string;
  type: number;
  message: string;
  details?: Record<string, any>;
  workstream_id?: string;
  received_at?: number;
}

/** One HTTP request the client made. */
export interface RecordedRequest {
  at: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  status: number | null;
  contentType: string | null;
  error: string | null;
}

/** A failed client call: the client's error (ServerError/ZenoClientNotFoundError carry status and payload). */
export class ClientCallError extends Error {
  constructor(
    readonly op: string,
    readonly error: { name: string; message: string; status: number | null; payload: unknown },
  ) {
    super(`${op}: ${error.name}: ${error.message} (status ${error.status}, payload ${JSON.stringify(error.payload)})`);
  }
}

/** `AgentMessageType` of @vertesia/common (a numeric enum). */
export const MessageType = {
  SYSTEM: 0, THOUGHT: 1, PLAN: 2, UPDATE: 3, COMPLETE: 4, WARNING: 5, ERROR: 6, ANSWER: 7, QUESTION: 8,
  REQUEST_INPUT: 9, IDLE: 10, TERMINATED: 11, STREAMING_CHUNK: 12, BATCH_PROGRESS: 13, RESTARTING: 14,
} as const;

/**
 * The official `@vertesia/client` in a child process (test/support/vertesia-client-driver.mjs),
 * called over JSON lines; one instance per user token.
 */
export class VertesiaClientDriver {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; op: string }>();
  private stderr = '';
  private exited: number | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let answer: any;
      try {
        answer = JSON.parse(line);
      } catch {
        this.stderr += `[stdout, not JSON] ${line}\n`;
        return;
      }
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(new ClientCallError(waiter.op, answer.error));
    });
    child.stderr.on('data', (chunk) => {
      this.stderr += chunk.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    child.once('exit', (code) => {
      this.exited = code ?? 1;
      for (const [, waiter] of this.pending) waiter.reject(new Error(`the client driver exited (${code}); stderr:\n${this.stderr.slice(-4000)}`));
      this.pending.clear();
    });
  }

  /** `storeUrl` is the gateway (serverUrl and storeUrl both); `token` a JWT sent as `Bearer <token>`. */
  static start(storeUrl: string, token: string): VertesiaClientDriver {
    const child = spawn(process.execPath, [DRIVER, storeUrl, token, 'rpc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new VertesiaClientDriver(child);
  }

  /** What the client printed (console.*) and the driver's own errors. */
  get output(): string {
    return this.stderr;
  }

  send<T = any>(op: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    if (this.exited !== null) return Promise.reject(new Error(`the client driver has exited (${this.exited}); stderr:\n${this.stderr.slice(-4000)}`));
    const id = this.nextId++;
    const label = op === 'agents' ? `agents.${String(args.method)}` : op;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${label}: no answer from the client driver within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        op: label,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.stdin.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** `client.store.agents[method](...params)`. */
  agents<T = any>(method: string, ...params: unknown[]): Promise<T> {
    return this.send<T>('agents', { method, params });
  }

  /** The call's rejection (a test of an error answer); throws if the call succeeded. */
  async failure(method: string, ...params: unknown[]): Promise<ClientCallError> {
    try {
      const result = await this.agents(method, ...params);
      throw new Error(`agents.${method} succeeded: ${JSON.stringify(result)}`);
    } catch (error) {
      if (error instanceof ClientCallError) return error;
      throw error;
    }
  }

  upload(runId: string, path: string, bytes: Buffer, contentType?: string) {
    return this.send<{ url: string; path: string }>('upload', { runId, path, base64: bytes.toString('base64'), contentType });
  }

  async download(runId: string, path: string): Promise<Buffer> {
    const { base64 } = await this.send<{ base64: string }>('download', { runId, path });
    return Buffer.from(base64, 'base64');
  }

  streamStart(handle: string, runId: string, since?: number, closeOnIdle = false) {
    return this.send<{ startedAt: number }>('streamStart', { handle, runId, since, closeOnIdle });
  }

  /** Waits (in the driver) up to `timeoutMs` for the stream to resolve; its state either way. */
  streamWait(handle: string, timeoutMs = 30_000) {
    return this.send<StreamView>('streamWait', { handle, timeoutMs }, timeoutMs + 30_000);
  }

  streamPeek(handle: string) {
    return this.send<StreamView>('streamPeek', { handle });
  }

  streamUntil(handle: string, type: number, timeoutMs = 30_000) {
    return this.send<StreamView>('streamUntil', { handle, type, timeoutMs }, timeoutMs + 30_000);
  }

  streamAbort(handle: string) {
    return this.send<StreamView>('streamAbort', { handle });
  }

  requests(from = 0) {
    return this.send<RecordedRequest[]>('requests', { from });
  }

  async stop(): Promise<void> {
    if (this.exited !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
