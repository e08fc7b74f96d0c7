import { bool, commonEnv, loadConfig, num, port, str } from '#platform';

export const referenceAgentEnv = {
  NATS_URL: commonEnv.NATS_URL,
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  HEALTH_PORT: port({ default: 3004, desc: 'liveness and readiness of the worker' }),
  AGENT_NAME: str({ default: 'trip-planner', desc: 'the agent this worker serves (runs name it in `agent`)' }),
  AGENT_VERSION: str({ default: '1', desc: 'the version it announces (a number, or a label such as draft)' }),
  WORKER_CONCURRENCY: num({ default: 100, desc: 'attempts one worker process executes at once' }),
  WORKER_LEASE_RENEW_MS: num({ default: 2_000, desc: 'lease heartbeat period (keep well under LEASE_TIMEOUT_MS)' }),
  WORKER_ATTEMPT_TIMEOUT_MS: num({ default: 30 * 60_000, desc: 'an attempt running longer is aborted and failed by the worker' }),
  WORKER_ARTIFACT_TIMEOUT_MS: num({ default: 10_000, desc: 'how long one artifact request waits for the artifact-service before it is asked again' }),
  WORKER_ARTIFACT_RETRY_MS: num({ default: 60_000, desc: 'how long artifact requests are asked again through an outage before the attempt fails' }),
  TRIP_PLANNER_STEP_MS: num({ default: 400, desc: 'pause between phases, so a run takes a few seconds' }),
  TRIP_PLANNER_INPUT_TIMEOUT_MS: num({ default: 10 * 60_000, desc: 'how long it waits for a destination when none is named' }),
  TRIP_PLANNER_ARTIFACTS: bool({ default: true, desc: 'store candidates and proposals artifacts via the artifact-service' }),
  LLM_BASE_URL: str({ default: '', desc: 'OpenAI-compatible API base (…/v1); empty = offline scripted reasoning' }),
  LLM_API_KEY: str({ default: '', desc: 'bearer token for LLM_BASE_URL' }),
  LLM_MODEL: str({ default: 'gpt-4o-mini', desc: 'model asked for when LLM_BASE_URL is set' }),
};

export const loadReferenceAgentConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(referenceAgentEnv, env);
export type ReferenceAgentConfig = ReturnType<typeof loadReferenceAgentConfig>;
