import type { InputRequest, LeaseLossReason, RunStatus } from '#contracts';

export interface ActiveRun {
  id: string;
  attempt: number;
  status: RunStatus;
  inputRequest: InputRequest | null;
}

export interface LeaseSighting {
  attempt: number;
  workerId: string;
  /** Server time of the last renewal, ms. */
  renewedAt: number;
}

export interface LeaseTimeouts {
  leaseTimeoutMs: number;
  claimTimeoutMs: number;
  inputWarningMs: number;
}

export type MonitorVerdict =
  | { kind: 'expire_lease'; reason: LeaseLossReason }
  | { kind: 'expire_input'; stage: 'warning' | 'expired' };

/**
 * What the monitor should do about one active run now. Pure, so the timing rules are unit-tested.
 * `lease` is the current attempt's lease (null when none); `unleasedSince` is when this monitor
 * first saw the attempt without one.
 */
export function judgeRun(
  run: ActiveRun,
  lease: LeaseSighting | null,
  unleasedSince: number,
  now: number,
  t: LeaseTimeouts,
): MonitorVerdict | null {
  if (lease === null) {
    return now - unleasedSince >= t.claimTimeoutMs ? { kind: 'expire_lease', reason: 'not_claimed' } : null;
  }
  if (now - lease.renewedAt >= t.leaseTimeoutMs) return { kind: 'expire_lease', reason: 'lease_expired' };
  const expiresAt = run.status === 'waiting_for_input' && run.inputRequest?.expiresAt ? Date.parse(run.inputRequest.expiresAt) : null;
  if (expiresAt === null || !run.inputRequest) return null;
  if (now >= expiresAt) return { kind: 'expire_input', stage: 'expired' };
  if (!run.inputRequest.expiryWarned && now >= expiresAt - t.inputWarningMs) return { kind: 'expire_input', stage: 'warning' };
  return null;
}
