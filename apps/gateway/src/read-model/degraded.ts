import { DomainError, ErrorCode } from '#contracts';

/**
 * Whether the projector quarantined an event of the aggregate (see projection_faults): its read
 * model stopped short, so answering from it would be answering wrong.
 */
export const degradedSql = (kind: 'run' | 'thread', idExpr: string): string =>
  `EXISTS (SELECT 1 FROM projection_faults f WHERE f.aggregate_kind = '${kind}' AND f.aggregate_id = ${idExpr})`;

export const refuseDegraded = (row: { degraded: boolean } | undefined): void => {
  if (row?.degraded) {
    throw new DomainError(ErrorCode.Unavailable, 'this record cannot be read right now: its read model is degraded (nothing is lost; an operator rebuilds it)');
  }
};
