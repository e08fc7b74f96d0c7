/**
 * Whether an error says a dependency (Postgres, NATS) is away rather than that the request or the
 * data is wrong: answered 503 and retried, never 500, never blamed on the data.
 */
export function isOutage(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; severity?: unknown; driverError?: unknown; cause?: unknown };
  const sqlState = sqlStateOf(error);
  if (sqlState !== null) return OUTAGE_SQLSTATE_CLASSES.some((c) => sqlState.startsWith(c));
  if (typeof e.name === 'string' && NATS_OUTAGES.has(e.name)) return true;
  // A JetStream API answer of status 503: no JetStream server answered (leader election,
  // restart). `code` is JetStream's own error code; `status` the HTTP-like one.
  if (e.name === 'JetStreamApiError' && (e as { status?: unknown }).status === 503) return true;
  if (typeof e.code === 'string' && SOCKET_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  return e.driverError !== undefined && e.driverError !== error ? isOutage(e.driverError) : e.cause !== undefined && isOutage(e.cause);
}

/** A Postgres server error's SQLSTATE (it carries a severity; a socket's EPIPE is not one), else null. */
export function sqlStateOf(error: unknown): string | null {
  const e = error as { driverError?: unknown } | null;
  const pg = (e?.driverError ?? e) as { code?: unknown; severity?: unknown } | null;
  return pg !== null && typeof pg === 'object' && typeof pg.severity === 'string' && typeof pg.code === 'string' ? pg.code : null;
}

/** Connection exception, transaction rollback (deadlock, serialization), resources, operator intervention, system. */
const OUTAGE_SQLSTATE_CLASSES = ['08', '40', '53', '57', '58'];
const NATS_OUTAGES = new Set(['ClosedConnectionError', 'DrainingConnectionError', 'ConnectionError', 'TimeoutError', 'NoResponders', 'JetStreamNotEnabled']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Connection is not established|the database system is (starting up|shutting down|in recovery mode)|connect ECONNREFUSED/i;
