/** Coarse run statuses (seed 000; `waiting_for_input` from seed 003). */
export const RUN_STATUSES = ['pending', 'running', 'waiting_for_input', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminalStatus = (status: RunStatus): boolean => TERMINAL_STATUSES.includes(status);

/**
 * A fine-grained step a running run reports. Agents declare their own phases when they register
 * (the reference trip-planner declares Travelmode's eight); the core only checks the name.
 */
export type RunPhase = string;
export const PHASE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Largest id or sequence the read model stores (Postgres integer). */
export const MAX_INT32 = 2_147_483_647;
