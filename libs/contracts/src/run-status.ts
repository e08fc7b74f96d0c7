/** Coarse run statuses (seed 000; `waiting_for_input` from seed 003). */
export const RUN_STATUSES = ['pending', 'running', 'waiting_for_input', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminalStatus = (status: RunStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Fine-grained phases a running run walks through (seed 000). */
export const RUN_PHASES = ['understand', 'plan', 'retrieve', 'reason', 'act', 'compose', 'deliver', 'done'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** Largest id or sequence the read model stores (Postgres integer). */
export const MAX_INT32 = 2_147_483_647;
