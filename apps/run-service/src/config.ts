import { bool, commonEnv, databaseEnv, loadConfig, num, port, str } from '#platform';

export const runServiceEnv = {
  ...commonEnv,
  ...databaseEnv,
  HEALTH_PORT: port({ default: 3001, desc: 'health and metrics (no public API)' }),
  DEFAULT_AGENT: str({ default: 'trip-planner', desc: 'agent a run gets when it names none' }),
  MAX_REDISPATCHES: num({ default: 2, desc: 'lost leases a run survives (each a new attempt on another worker) before it fails' }),
  LEASE_TIMEOUT_MS: num({ default: 10_000, desc: 'a worker that has not renewed its lease for this long loses the run' }),
  LEASE_CLAIM_TIMEOUT_MS: num({ default: 60_000, desc: 'an attempt no worker claims within this is redispatched' }),
  LEASE_CHECK_INTERVAL_MS: num({ default: 1_000, desc: 'how often the lease monitor looks at active runs' }),
  INPUT_EXPIRY_WARNING_MS: num({ default: 30_000, desc: 'INPUT_EXPIRING is appended this long before an input deadline' }),
  DISPATCH_ACK_WAIT_MS: num({ default: 5_000, desc: 'redelivery delay of attempt events a dead dispatcher held' }),
  COMMAND_ACK_WAIT_MS: num({ default: 10_000, desc: 'redelivery delay of a command whose run-service died' }),
  COMMAND_MAX_IN_FLIGHT: num({ default: 1024, desc: 'commands a run-service works on at once' }),
  AGGREGATE_CACHE_SIZE: num({ default: 10_000, desc: 'runs and threads kept folded in memory' }),
  PROJECTOR_ENABLED: bool({ default: true, desc: 'project RUN_EVENTS into Postgres in this process' }),
  PROJECTOR_ACK_WAIT_MS: num({ default: 5_000, desc: 'redelivery delay of events a dead projector held' }),
  PROJECTOR_BATCH_WAIT_MS: num({ default: 5, desc: 'how long the projector gathers events into one transaction' }),
  PROJECTION_MAX_TRIES: num({ default: 5, desc: 'deliveries of an event the read model cannot store before it is quarantined and its run reads as degraded' }),
  DISPATCHER_ENABLED: bool({ default: true, desc: 'dispatch work items and watch leases in this process' }),
};

export const loadRunServiceConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(runServiceEnv, env);
export type RunServiceConfig = ReturnType<typeof loadRunServiceConfig>;
