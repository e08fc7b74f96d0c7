import {
  DomainError,
  ErrorCode,
  PHASE_PATTERN,
  type Actor,
  type ClaimRun,
  type ExpireInput,
  type ExpireLease,
  type ReportRunProgress,
  type RunSnapshot,
  type WorkerReport,
} from '#contracts';
import type { RunState } from './run';
import { agentOf, existingRunVisibleTo, foldDraft, invalid, type RunDecisionContext, type RunEventDraft } from './run.rules';

const active = (run: RunSnapshot) => run.status === 'running' || run.status === 'waiting_for_input';

function requireNonUser(actor: Actor, what: string) {
  if (actor.kind === 'user') throw new DomainError(ErrorCode.Forbidden, `only agents and Runstream itself ${what}`);
}

function currentAttempt(run: RunSnapshot, attempt: number): void {
  if (attempt !== run.attempt)
    throw new DomainError(ErrorCode.StaleAttempt, `attempt ${attempt} is not the run's current attempt (${run.attempt})`);
}

/** The first worker to claim an attempt holds it; a repeated claim by the same worker changes nothing. */
export function claimRun(command: ClaimRun, state: RunState): RunEventDraft[] {
  requireNonUser(command.metadata.actor, 'claim runs');
  const run = existingRunVisibleTo(state, command.metadata.actor);
  currentAttempt(run, command.data.attempt);
  if (!active(run)) throw invalid('claim', run.status);
  if (run.workerId === command.data.workerId) return [];
  if (run.workerId !== null)
    throw new DomainError(ErrorCode.NotLeaseHolder, `attempt ${run.attempt} is held by another worker`);
  return [{ type: 'RunClaimed', data: { attempt: run.attempt, workerId: command.data.workerId } }];
}

/** A lost lease gives the run a new attempt on another worker, until the maximum; then the run fails. */
export function expireLease(command: ExpireLease, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  requireNonUser(command.metadata.actor, 'expire leases');
  const run = existingRunVisibleTo(state, command.metadata.actor);
  currentAttempt(run, command.data.attempt);
  if (!active(run)) throw invalid('expire the lease of', run.status);
  const { reason } = command.data;
  if (run.redispatches >= ctx.maxRedispatches) {
    const what = reason === 'not_claimed' ? 'no worker claimed it' : 'its worker stopped heart-beating';
    const tries = run.redispatches + 1;
    return [
      {
        type: 'RunFailed',
        data: { attempt: run.attempt, errorMessage: `run abandoned: ${what} (${tries} attempt${tries === 1 ? '' : 's'})` },
      },
    ];
  }
  return [
    {
      type: 'RunRedispatchedV2',
      data: {
        attempt: run.attempt + 1,
        snapshotRevision: run.snapshotRevision,
        agent: agentOf(run),
        previousAttempt: run.attempt,
        previousWorkerId: run.workerId,
        reason,
      },
    },
  ];
}

/** An input request's deadline: a warning first, then the run fails (it never waits forever). */
export function expireInput(command: ExpireInput, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  requireNonUser(command.metadata.actor, 'expire input requests');
  const run = existingRunVisibleTo(state, command.metadata.actor);
  currentAttempt(run, command.data.attempt);
  const request = run.inputRequest;
  if (run.status !== 'waiting_for_input' || !request?.expiresAt) throw invalid('expire the input of', run.status);
  if (command.data.stage === 'warning') {
    if (request.expiryWarned) return [];
    return [{ type: 'RunInputExpiring', data: { attempt: run.attempt, expiresAt: request.expiresAt } }];
  }
  if (ctx.now.getTime() < Date.parse(request.expiresAt))
    throw new DomainError(ErrorCode.InvalidTransition, `the input request expires at ${request.expiresAt}`);
  return [
    {
      type: 'RunFailed',
      data: { attempt: run.attempt, errorMessage: `no input was provided before ${request.expiresAt}` },
    },
  ];
}

const nonNegative = (name: string, value: unknown): number => {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new DomainError(ErrorCode.ValidationFailed, `usage ${name} must be a non-negative number`);
  return value;
};

const tokens = (name: string, value: unknown): number => {
  const n = nonNegative(name, value);
  if (!Number.isSafeInteger(n)) throw new DomainError(ErrorCode.ValidationFailed, `usage ${name} must be a whole number`);
  return n;
};

/** An answer travels in one event (events are at most 1 MB). */
const MAX_ANSWER_BYTES = 256 * 1024;

/** A described field the report leaves out keeps its value; a string is at most 500 characters. */
function describedText(value: string | null | undefined, current: string | null): string | null {
  if (value === undefined) return current;
  if (value !== null && (typeof value !== 'string' || value.length > 500))
    throw new DomainError(ErrorCode.ValidationFailed, 'a name, title or topic is a string of at most 500 characters');
  return value;
}

/** What a worker may report in each status: while waiting for input it may only account or give up. */
const ALLOWED_WHILE_WAITING: ReadonlySet<WorkerReport['kind']> = new Set(['usage', 'failed']);

function reportToDraft(report: WorkerReport, run: RunSnapshot, ctx: RunDecisionContext): RunEventDraft {
  const allowed = run.status === 'running' || (run.status === 'waiting_for_input' && ALLOWED_WHILE_WAITING.has(report.kind));
  if (!allowed) throw invalid(`report ${report.kind} for`, run.status);
  const { attempt } = run;
  switch (report.kind) {
    case 'phase_started': {
      const { phases } = run.spec;
      const known = phases.length === 0 ? typeof report.phase === 'string' && PHASE_PATTERN.test(report.phase) : phases.includes(report.phase);
      if (!known) throw new DomainError(ErrorCode.ValidationFailed, `unknown phase ${String(report.phase)}`);
      return { type: 'RunPhaseStarted', data: { phase: report.phase, attempt } };
    }
    case 'message_delta':
      return { type: 'RunMessageDelta', data: { attempt, messageId: report.messageId, text: report.text } };
    case 'tool_call':
      return { type: 'RunToolCalled', data: { attempt, callId: report.callId, name: report.name, input: report.input ?? null } };
    case 'tool_result':
      return {
        type: 'RunToolCallCompleted',
        data: { attempt, callId: report.callId, output: report.output ?? null, isError: report.isError ?? false },
      };
    case 'usage': {
      const inputTokens = tokens('inputTokens', report.inputTokens);
      const cachedInputTokens = tokens('cachedInputTokens', report.cachedInputTokens);
      if (report.model !== undefined && report.model !== null && typeof report.model !== 'string')
        throw new DomainError(ErrorCode.ValidationFailed, 'usage model must be a string');
      if (cachedInputTokens > inputTokens)
        throw new DomainError(ErrorCode.ValidationFailed, 'usage cachedInputTokens exceeds inputTokens');
      return {
        type: 'RunUsageRecorded',
        data: {
          attempt,
          inputTokens,
          outputTokens: tokens('outputTokens', report.outputTokens),
          cachedInputTokens,
          costUsd: nonNegative('costUsd', report.costUsd),
          credits: nonNegative('credits', report.credits),
          model: report.model ?? null,
        },
      };
    }
    case 'input_requested': {
      const expiresAt = report.expiresAt ?? null;
      if (expiresAt !== null && !(Date.parse(expiresAt) > ctx.now.getTime()))
        throw new DomainError(ErrorCode.ValidationFailed, 'input expiresAt must be a future instant');
      return {
        type: 'RunInputRequested',
        data: { attempt, prompt: report.prompt, expiresAt: expiresAt && new Date(expiresAt).toISOString() },
      };
    }
    case 'answer':
      if (typeof report.content !== 'string' || Buffer.byteLength(report.content, 'utf8') > MAX_ANSWER_BYTES)
        throw new DomainError(ErrorCode.ValidationFailed, `an answer is a string of at most ${MAX_ANSWER_BYTES} bytes`);
      return { type: 'RunAnswered', data: { attempt, messageId: report.messageId ?? `${run.id}:${attempt}`, content: report.content } };
    case 'describe':
      return {
        type: 'RunDescribed',
        data: {
          attempt,
          name: describedText(report.name, run.description.name),
          title: describedText(report.title, run.description.title),
          topic: describedText(report.topic, run.description.topic),
        },
      };
    case 'completed':
      return { type: 'RunCompleted', data: { attempt, result: report.result ?? null } };
    case 'failed':
      return { type: 'RunFailed', data: { attempt, errorMessage: report.errorMessage } };
    default: {
      const unknownKind: never = report;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown report ${JSON.stringify(unknownKind)}`);
    }
  }
}

/** A worker's reports apply in order against the evolving run, all or nothing. */
export function reportRunProgress(command: ReportRunProgress, state: RunState, ctx: RunDecisionContext): RunEventDraft[] {
  requireNonUser(command.metadata.actor, 'report progress');
  let run = existingRunVisibleTo(state, command.metadata.actor);
  currentAttempt(run, command.data.attempt);
  const { workerId } = command.data;
  if (run.workerId !== null && workerId !== run.workerId)
    throw new DomainError(ErrorCode.NotLeaseHolder, `attempt ${run.attempt} is held by another worker`);
  if (command.data.reports.length === 0) throw new DomainError(ErrorCode.ValidationFailed, 'no reports');
  const drafts: RunEventDraft[] = [];
  for (const report of command.data.reports) {
    const draft = reportToDraft(report, run, ctx);
    drafts.push(draft);
    run = foldDraft(run, draft, ctx.now) as RunSnapshot;
  }
  return drafts;
}
