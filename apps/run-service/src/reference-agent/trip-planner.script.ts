import { RUN_PHASES, type RunPhase, type WorkerReport } from '#contracts';

/** One step of the reference agent: what it reports after pausing. */
export interface ScriptStep {
  reports: WorkerReport[];
}

/** Marker in a trigger message that makes the first attempt fail at `act` (to demo retry). */
export const FAIL_ONCE_MARKER = '#fail-once';

/**
 * The reference agent's deterministic script: one phase per step, then done + completed.
 * Offline and scripted on purpose: real agents arrive with workers (libs/agent-sdk).
 */
export function tripPlannerScript(triggerMessage: string, attempt: number): ScriptStep[] {
  const phases = RUN_PHASES.filter((p): p is Exclude<RunPhase, 'done'> => p !== 'done');
  const steps: ScriptStep[] = [];
  for (const phase of phases) {
    steps.push({ reports: [{ kind: 'phase_started', phase }] });
    if (phase === 'act' && attempt === 1 && triggerMessage.includes(FAIL_ONCE_MARKER)) {
      steps.push({ reports: [{ kind: 'failed', errorMessage: 'simulated failure on the first attempt' }] });
      return steps;
    }
  }
  steps.push({
    reports: [
      { kind: 'phase_started', phase: 'done' },
      { kind: 'completed', result: { summary: `Plan ready for: ${triggerMessage}` } },
    ],
  });
  return steps;
}
