import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DomainError,
  ErrorCode,
  QUERY_NAME_PATTERN,
  SUBJECTS,
  type CreateTypedArtifactReply,
  type CreateTypedArtifactRequestV2,
  type RunPhase,
  type UsageIncrement,
  type WorkerReport,
} from '#contracts';
import { decodeJson, encodeJson } from '#messaging';
import type { RunReporter } from './run-reporter';
import {
  RunEndedError,
  type AgentRun,
  type ArtifactInput,
  type QueryHandler,
  type RunContext,
  type SignalHandler,
  type WaitForInputOptions,
} from './types';

interface Pending {
  report: WorkerReport;
  settle: { resolve(): void; reject(error: unknown): void };
}

/**
 * A handler's view of its attempt. Reports queue up and go to the log in order; whatever queued
 * while one append was in flight goes in the next one (consecutive deltas of a message merge), so a
 * chatty model costs a few appends, not one per token.
 */
/** Answers after which the same artifact request is asked again: an outage, or the same request still in flight. */
const ASK_AGAIN = new Set<string>([ErrorCode.Unavailable, ErrorCode.IdempotencyInProgress]);
/** Reports per append at most: a burst becomes a few large appends, none unbounded. */
const MAX_REPORTS_PER_APPEND = 1_000;

export class AttemptContext implements RunContext {
  readonly signal: AbortSignal;
  readonly phases: RunPhase[] = [];
  readonly openToolCalls = new Map<string, { name: string; startedAt: string }>();
  readonly queries = new Map<string, QueryHandler>();
  private readonly abort = new AbortController();
  private readonly queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private readonly signalHandlers = new Map<string, SignalHandler>();
  private readonly unhandledSignals: { name: string; payload: unknown }[] = [];
  private signalChain: Promise<void> = Promise.resolve();
  private inputWaiter: { resolve(content: string): void; reject(error: unknown): void } | null = null;
  private readonly messageId = randomUUID();
  /** The attempt's answer: set by the handler, or else the text it streamed. */
  private explicitAnswer: string | null = null;
  private streamed = '';

  constructor(
    readonly run: AgentRun,
    readonly workerId: string,
    private readonly reporter: RunReporter,
    private readonly nc: NatsConnection,
    private readonly artifactTimeoutMs: number,
    private readonly artifactRetryForMs: number,
  ) {
    this.signal = this.abort.signal;
  }

  // ---- what the follower tells -------------------------------------------------------------

  end(reason: string): void {
    if (this.abort.signal.aborted) return;
    const error = new RunEndedError(reason);
    this.abort.abort(error);
    this.inputWaiter?.reject(error);
    this.inputWaiter = null;
  }

  receiveInput(content: string): void {
    this.inputWaiter?.resolve(content);
    this.inputWaiter = null;
  }

  receiveSignal(name: string, payload: unknown): void {
    const handler = this.signalHandlers.get(name) ?? this.signalHandlers.get('*');
    if (!handler) {
      this.unhandledSignals.push({ name, payload });
      return;
    }
    this.signalChain = this.signalChain.then(() => handler(payload, name)).catch(() => undefined);
  }

  // ---- the handler's API ---------------------------------------------------------------------

  async phase(phase: RunPhase): Promise<void> {
    await this.report({ kind: 'phase_started', phase });
    this.phases.push(phase);
  }

  delta(text: string, messageId = this.messageId): void {
    if (messageId === this.messageId) this.streamed += text;
    void this.report({ kind: 'message_delta', messageId, text }).catch(() => undefined);
  }

  answer(text: string): void {
    this.explicitAnswer = text;
  }

  async describe(description: { name?: string | null; title?: string | null; topic?: string | null }): Promise<void> {
    await this.report({ kind: 'describe', ...description });
  }

  async toolCall(name: string, input?: unknown): Promise<string> {
    const callId = randomUUID();
    await this.report({ kind: 'tool_call', callId, name, input: input ?? null });
    this.openToolCalls.set(callId, { name, startedAt: new Date().toISOString() });
    return callId;
  }

  async toolResult(callId: string, output: unknown, isError = false): Promise<void> {
    await this.report({ kind: 'tool_result', callId, output, isError });
    this.openToolCalls.delete(callId);
  }

  usage(usage: Partial<UsageIncrement>): void {
    void this.report({ kind: 'usage', ...usage }).catch(() => undefined);
  }

  async artifact(artifact: ArtifactInput): Promise<{ id: number; artifactType: string }> {
    await this.flush();
    this.throwIfEnded();
    const request: CreateTypedArtifactRequestV2 = {
      version: 2,
      requestId: randomUUID(),
      runId: this.run.runId,
      attempt: this.run.attempt,
      workerId: this.workerId,
      agent: this.run.agent,
      artifactType: artifact.artifactType,
      title: artifact.title ?? null,
      content: artifact.content,
    };
    let reply: CreateTypedArtifactReply | null = null;
    // The request id makes asking again safe: it is stored once however often it is asked. So an
    // outage (nobody answering, a timeout, an artifact-service unavailable) is waited out like a report's.
    const deadline = Date.now() + this.artifactRetryForMs;
    for (let tries = 0; reply === null; tries++) {
      try {
        const msg = await this.nc.request(SUBJECTS.artifactCreate, encodeJson(request), { timeout: this.artifactTimeoutMs });
        const answer = decodeJson<CreateTypedArtifactReply>(msg.data);
        if (answer.ok || !ASK_AGAIN.has(answer.error.code)) reply = answer;
        else if (Date.now() >= deadline) throw new DomainError(ErrorCode.Unavailable, `artifact-service unavailable: ${answer.error.message}`);
      } catch (error) {
        if (error instanceof DomainError) throw error;
        if (Date.now() >= deadline) throw new DomainError(ErrorCode.Unavailable, `artifact-service unavailable: ${(error as Error).message}`);
      }
      if (reply === null) {
        this.throwIfEnded();
        await sleep(Math.min(2_000, 100 * 2 ** tries), undefined, { signal: this.signal });
      }
    }
    if (!reply.ok) throw new DomainError(reply.error.code as ErrorCode, reply.error.message);
    return reply.artifact;
  }

  async waitForInput(prompt: string, options: WaitForInputOptions = {}): Promise<string> {
    const expiresAt = options.expiresAt === undefined ? null : new Date(options.expiresAt).toISOString();
    const input = new Promise<string>((resolve, reject) => {
      this.inputWaiter = { resolve, reject };
    });
    // The waiter exists before the request is in the log, so the answer cannot slip past it.
    await this.report({ kind: 'input_requested', prompt, expiresAt });
    return input;
  }

  onSignal(name: string, handler: SignalHandler): void {
    this.signalHandlers.set(name, handler);
    const matching = this.unhandledSignals.filter((s) => name === '*' || s.name === name);
    for (const s of matching) {
      this.unhandledSignals.splice(this.unhandledSignals.indexOf(s), 1);
      this.receiveSignal(s.name, s.payload);
    }
  }

  onQuery(name: string, handler: QueryHandler): void {
    if (!QUERY_NAME_PATTERN.test(name)) throw new Error(`query name ${name} must match ${QUERY_NAME_PATTERN}`);
    this.queries.set(name, handler);
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Waits for queued reports, then appends the final one (completed, with its answer first, or failed). */
  async finish(report: WorkerReport): Promise<void> {
    await this.flush().catch(() => undefined);
    const answer = this.explicitAnswer ?? (this.streamed.length > 0 ? this.streamed : null);
    // One append for both: the answer is in the log exactly when the completion is.
    const reports: WorkerReport[] = report.kind === 'completed' && answer !== null ? [{ kind: 'answer', content: answer, messageId: this.messageId }, report] : [report];
    await Promise.all(this.queueReports(reports, true));
  }

  /**
   * The attempt ran past the worker's time limit: the handler is aborted like on a cancel, but
   * here the worker still has the run and fails it (`timedOut` tells the worker to).
   */
  timeOut(limitMs: number): void {
    if (this.abort.signal.aborted) return;
    this.timedOut = `the attempt exceeded its time limit of ${limitMs} ms`;
    this.end('timeout');
  }

  timedOut: string | null = null;

  // ---- batching ------------------------------------------------------------------------------

  private report(report: WorkerReport, final = false): Promise<void> {
    return this.queueReports([report], final)[0] as Promise<void>;
  }

  /** Queues reports together, so they go to the log in the same append. */
  private queueReports(reports: WorkerReport[], final: boolean): Promise<void>[] {
    if (this.abort.signal.aborted && !(final && this.timedOut)) return reports.map(() => Promise.reject(this.abort.signal.reason));
    const settled = reports.map(
      (report) => new Promise<void>((resolve, reject) => this.queue.push({ report, settle: { resolve, reject } })),
    );
    if (!this.flushing) this.flushing = this.drain().finally(() => (this.flushing = null));
    return settled;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // What queued while the last append was in flight goes as one command (its events as units), bounded.
      const batch = this.queue.splice(0, Math.min(this.queue.length, MAX_REPORTS_PER_APPEND));
      try {
        await this.reporter.report({
          runId: this.run.runId,
          attempt: this.run.attempt,
          workerId: this.workerId,
          agent: this.run.agent,
          commandId: randomUUID(),
          reports: mergeDeltas(batch.map((p) => p.report)),
        });
        batch.forEach((p) => p.settle.resolve());
      } catch (error) {
        // Refused: the run moved on (stopped, cancelled, redispatched). This attempt is over.
        if (error instanceof DomainError) this.end(error.code);
        const reason = this.abort.signal.aborted ? this.abort.signal.reason : error;
        for (const p of [...batch, ...this.queue.splice(0, this.queue.length)]) p.settle.reject(reason);
      }
    }
  }

  private throwIfEnded(): void {
    if (this.abort.signal.aborted) throw this.abort.signal.reason;
  }
}

/** Adjacent deltas of one message become one. */
function mergeDeltas(reports: WorkerReport[]): WorkerReport[] {
  const merged: WorkerReport[] = [];
  for (const report of reports) {
    const last = merged.at(-1);
    if (report.kind === 'message_delta' && last?.kind === 'message_delta' && last.messageId === report.messageId)
      merged[merged.length - 1] = { ...last, text: last.text + report.text };
    else merged.push(report);
  }
  return merged;
}
