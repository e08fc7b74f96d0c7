/** Injection tokens shared by every service. */
export const LOGGER = Symbol('LOGGER');
export const CONFIG = Symbol('CONFIG');
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const JETSTREAM = Symbol('JETSTREAM');
export const JETSTREAM_MANAGER = Symbol('JETSTREAM_MANAGER');

/** Route metadata: no credentials needed (health endpoints). */
export const PUBLIC_ROUTE = 'runstream:public';
