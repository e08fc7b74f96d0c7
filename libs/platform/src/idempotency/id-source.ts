/**
 * Where a request gets the ids it mints (command id, run id, thread id). Under an Idempotency-Key
 * they are remembered with the key, so a retry after a 503 reuses them and cannot create twice.
 */
export interface IdSource {
  reserve<T>(name: string, produce: () => T | Promise<T>): Promise<T>;
}

export const freshIds: IdSource = {
  reserve: async (_name, produce) => produce(),
};
