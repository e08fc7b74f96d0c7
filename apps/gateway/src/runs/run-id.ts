import { DomainError, ErrorCode, canonicalRunId } from '#contracts';

export const runNotFound = () => new DomainError(ErrorCode.RunNotFound, 'run not found');

/** A run id from a URL; one that cannot name a run is simply not found. */
export function runIdOf(raw: string): string {
  const id = canonicalRunId(raw);
  if (id === null) throw runNotFound();
  return id;
}
