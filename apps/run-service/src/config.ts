import { bool, commonEnv, databaseEnv, loadConfig, num, port, str } from '#platform';

export const runServiceEnv = {
  ...commonEnv,
  ...databaseEnv,
  HEALTH_PORT: port({ default: 3001, desc: 'health and metrics (no public API)' }),
  DEFAULT_AGENT: str({ default: 'trip-planner', desc: 'agent a run gets when it names none' }),
  MAX_REDISPATCHES: num({ default: 2, desc: 'lost leases a run survives (each a new attempt on another worker) before it fails' }),
  COMMAND_ACK_WAIT_MS: num({ default: 10_000, desc: 'redelivery delay of a command whose run-service died' }),
  COMMAND_MAX_IN_FLIGHT: num({ default: 1024, desc: 'commands a run-service works on at once' }),
  AGGREGATE_CACHE_SIZE: num({ default: 10_000, desc: 'runs and threads kept folded in memory' }),
  PROJECTOR_ENABLED: bool({ default: true, desc: 'project RUN_EVENTS into Postgres in this process' }),
  PROJECTOR_ACK_WAIT_MS: num({ default: 5_000, desc: 'redelivery delay of events a dead projector held' }),
  PROJECTOR_BATCH_WAIT_MS: num({ default: 5, desc: 'how long the projector gathers events into one transaction' }),
  REFERENCE_AGENT_ENABLED: bool({ default: true, desc: 'run the built-in reference agent in this process' }),
  REFERENCE_AGENT_NAMES: str({ default: 'trip-planner', desc: 'comma-separated agents it executes' }),
  REFERENCE_AGENT_STEP_MS: num({ default: 400, desc: 'pause between the reference agent phases' }),
};

export const loadRunServiceConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(runServiceEnv, env);
export type RunServiceConfig = ReturnType<typeof loadRunServiceConfig>;
