/**
 * Error codes that cross process boundaries. Domain code raises `DomainError` with one of these;
 * each transport maps the code once (HTTP status at the gateway, ack/nak/term in consumers).
 */
export const ErrorCode = {
  RunNotFound: 'RUN_NOT_FOUND',
  ThreadNotFound: 'THREAD_NOT_FOUND',
  /** No worker announced that agent (or that version of it). */
  AgentNotFound: 'AGENT_NOT_FOUND',
  NotFound: 'NOT_FOUND',
  InvalidTransition: 'INVALID_TRANSITION',
  AlreadyExists: 'ALREADY_EXISTS',
  ValidationFailed: 'VALIDATION_FAILED',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  StaleAttempt: 'STALE_ATTEMPT',
  /** A worker reported for an attempt another worker holds (or it lost the lease). */
  NotLeaseHolder: 'NOT_LEASE_HOLDER',
  ArtifactNotFound: 'ARTIFACT_NOT_FOUND',
  /** A query reached no worker: the run is not active (409) … */
  NoActiveWorker: 'NO_ACTIVE_WORKER',
  Conflict: 'CONFLICT',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  IdempotencyInProgress: 'IDEMPOTENCY_IN_PROGRESS',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** A body that is not JSON where JSON is taken. */
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** Too many requests or open streams from one caller: retry after the time given. */
  RateLimited: 'RATE_LIMITED',
  /** The request's body did not arrive in time. */
  RequestTimeout: 'REQUEST_TIMEOUT',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }

  static from(body: ErrorBody): DomainError {
    return new DomainError(body.code, body.message);
  }
}
