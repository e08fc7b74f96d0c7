import type { RunCommandBody } from '#contracts';

/** Seed 000's control actions. */
export const CONTROL_ACTIONS = ['start', 'stop', 'retry', 'cancel'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** `POST …/control { action, reason? }` as the core command it means. */
export function controlCommand(action: ControlAction, reason?: string): RunCommandBody {
  switch (action) {
    case 'start':
      return { type: 'StartRun', data: {} };
    case 'stop':
      return { type: 'StopRun', data: {} };
    case 'retry':
      return { type: 'RetryRun', data: {} };
    case 'cancel':
      return { type: 'CancelRun', data: reason === undefined ? {} : { reason } };
    default: {
      const unknownAction: never = action;
      throw new Error(`unknown action ${String(unknownAction)}`);
    }
  }
}

/** Seed 000's phases: what the reference trip-planner declares; a Travelmode run walks them. */
export const TRAVELMODE_PHASES = ['understand', 'plan', 'retrieve', 'reason', 'act', 'compose', 'deliver', 'done'] as const;
