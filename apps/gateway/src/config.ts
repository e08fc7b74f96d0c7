import { authEnv, commonEnv, databaseEnv, loadConfig, num, port, proxyEnv, str, url } from '#platform';

export const gatewayEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: port({ default: 3000, desc: 'HTTP port of the public API' }),
  ...authEnv,
  ...proxyEnv,
  DEFAULT_AGENT: str({ default: 'trip-planner', desc: 'the agent of a run that names none' }),
  QUERY_TIMEOUT_MS: num({ default: 3_000, desc: 'how long a run query waits for the worker holding the run' }),
  COMMAND_TIMEOUT_MS: num({ default: 5_000, desc: 'how long a request waits for the run-service before 503' }),
  PROJECTION_WAIT_MS: num({ default: 2_000, desc: 'how long a write waits for the read model to show it' }),
  BODY_LIMIT_BYTES: num({ default: 256 * 1024, desc: 'largest JSON body accepted (413 beyond)' }),
  BODY_READ_TIMEOUT_MS: num({ default: 10_000, desc: 'a JSON body must arrive within this of its headers (408 beyond); 0: no limit' }),
  STREAM_SERVICE_URL: url({ default: 'http://127.0.0.1:3002', desc: 'where SSE stream requests are proxied' }),
  ARTIFACT_SERVICE_URL: url({ default: 'http://127.0.0.1:3003', desc: 'where artifact requests are proxied' }),
};

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(gatewayEnv, env);
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
