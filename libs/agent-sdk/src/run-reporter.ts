import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError, ErrorCode, type ClaimRun, type ReportRunProgress, type RunSnapshot, type WorkerReport } from '#contracts';
import { RunRepository, ThreadRepository, runCommandHandler } from '#domain';
import type { EventStore } from '#messaging';

export interface RunReporterOptions {
  /** Runs kept folded in memory (one per attempt this worker executes, usually). */
  cacheSize?: number;
  /** Must match the run-services' grace (2 × COMMAND_ACK_WAIT_MS). */
  openBatchGraceMs?: number;
  /**
   * How long a report is retried while NATS is unreachable (a restart, a partition) before the
   * error reaches the caller (default 60 s). Retrying is safe: the same command id is applied once.
   */
  retryForMs?: number;
}

export interface Report {
  runId: string;
  attempt: number;
  reports: WorkerReport[];
  /** The worker holding the attempt (required once the attempt is claimed). */
  workerId?: string;
  /** Same id → applied once; a worker resending after a crash passes the id it used before. */
  commandId: string;
  agent: string;
  correlationId?: string;
}

/**
 * How the worker executing a run's attempt reports progress: it decides its ReportRunProgress
 * commands itself, with the run aggregate and the command handler the run-service uses, and
 * appends the events straight to the run's subject under the same expected-sequence rule. A stop,
 * cancel or retry appended meanwhile makes the append conflict; the worker then reads it and its
 * report is refused (the run moved on). No hop through RUN_COMMANDS: one JetStream write per event.
 */
export class RunReporter {
  private readonly handler: ReturnType<typeof runCommandHandler>;
  /** One report at a time per run, so a worker's own reports never race each other. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly retryForMs: number;

  constructor(store: EventStore, options: RunReporterOptions = {}) {
    this.retryForMs = options.retryForMs ?? 60_000;
    const runs = new RunRepository(store, options.cacheSize ?? 1_000);
    // Reports never read threads; the handler's signature wants a repository.
    const threads = new ThreadRepository(store, 1);
    this.handler = runCommandHandler(runs, threads, store, {
      openBatchGraceMs: options.openBatchGraceMs ?? 20_000,
      maxConflictRetries: 20,
      defaultAgent: '',
      // Workers never expire leases; only the run-service's lease monitor does.
      maxRedispatches: 0,
    });
  }

  /** Appends the reports in order, all or nothing; a refusal rejects with its `DomainError`. */
  report(report: Report): Promise<RunSnapshot> {
    const previous = this.chains.get(report.runId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.apply(report));
    this.chains.set(report.runId, next);
    void next.catch(() => undefined).finally(() => {
      if (this.chains.get(report.runId) === next) this.chains.delete(report.runId);
    });
    return next;
  }

  /** Takes the attempt for `workerId`; a refusal (stale attempt, held by another worker) rejects. */
  claim(claim: { runId: string; attempt: number; workerId: string; agent: string; commandId: string }): Promise<RunSnapshot> {
    const command: ClaimRun = {
      type: 'ClaimRun',
      data: { runId: claim.runId, attempt: claim.attempt, workerId: claim.workerId },
      metadata: {
        commandId: claim.commandId,
        correlationId: claim.runId,
        actor: { kind: 'agent', id: claim.agent },
        issuedAt: new Date().toISOString(),
      },
    };
    return this.execute(command);
  }

  private apply(report: Report): Promise<RunSnapshot> {
    const command: ReportRunProgress = {
      type: 'ReportRunProgress',
      data: { runId: report.runId, attempt: report.attempt, workerId: report.workerId, reports: report.reports },
      metadata: {
        commandId: report.commandId,
        correlationId: report.correlationId ?? report.runId,
        actor: { kind: 'agent', id: report.agent },
        issuedAt: new Date().toISOString(),
      },
    };
    return this.execute(command);
  }

  private async execute(command: ReportRunProgress | ClaimRun): Promise<RunSnapshot> {
    const deadline = Date.now() + this.retryForMs;
    for (let tries = 0; ; tries++) {
      try {
        return await this.executeOnce(command);
      } catch (error) {
        // A refusal is an answer; anything else (timeout, connection lost, a full log) may not have been.
        const final = error instanceof DomainError && error.code !== ErrorCode.Unavailable;
        if (final || Date.now() >= deadline) throw error;
        await sleep(Math.min(2_000, 100 * 2 ** tries));
      }
    }
  }

  private async executeOnce(command: ReportRunProgress | ClaimRun): Promise<RunSnapshot> {
    for (;;) {
      const outcome = await this.handler.handle(command);
      switch (outcome.kind) {
        case 'answered':
          if (!outcome.reply.ok) throw DomainError.from(outcome.reply.error);
          if (!outcome.reply.run) throw new DomainError(ErrorCode.Internal, 'no run in the outcome');
          return outcome.reply.run;
        case 'retry':
          await sleep(outcome.delayMs);
          continue;
        case 'expired':
        case 'malformed':
          throw new DomainError(ErrorCode.Internal, `report not applied: ${outcome.kind}`);
        default: {
          const unknownOutcome: never = outcome;
          throw new Error(`unknown outcome ${JSON.stringify(unknownOutcome)}`);
        }
      }
    }
  }
}
