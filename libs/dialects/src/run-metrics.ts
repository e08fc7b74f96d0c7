import type { RunSnapshot } from '#contracts';

/** A run's live metrics (seed 003's list): totals of its usage, and its duration counting up while it runs. */
export function runMetrics(run: RunSnapshot, now = new Date()) {
  const { usage } = run;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now.getTime();
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
    durationMs: run.startedAt ? Math.max(0, end - Date.parse(run.startedAt)) : null,
    cacheHitRate: usage.inputTokens > 0 ? usage.cachedInputTokens / usage.inputTokens : null,
    credits: usage.credits,
    model: usage.model,
  };
}
