import { commonEnv, databaseEnv, loadConfig, num, port, str, url } from '#platform';

export const DEV_JWT_SECRET = 'runstream-development-secret-change-me';

export const gatewayEnv = {
  ...commonEnv,
  ...databaseEnv,
  PORT: port({ default: 3000, desc: 'HTTP port of the public API' }),
  JWT_SECRET: str({ default: DEV_JWT_SECRET, desc: 'HS256 secret (development); ignored when JWKS_URL is set' }),
  JWKS_URL: url({ default: undefined, desc: 'JWKS endpoint for RS256/ES256 tokens (production)' }),
  JWT_ISSUER: str({ default: undefined, desc: 'required `iss` claim, when set' }),
  JWT_AUDIENCE: str({ default: undefined, desc: 'required `aud` claim, when set' }),
  COMMAND_TIMEOUT_MS: num({ default: 5_000, desc: 'how long a request waits for the run-service before 503' }),
  PROJECTION_WAIT_MS: num({ default: 2_000, desc: 'how long a write waits for the read model to show it' }),
  BODY_LIMIT_BYTES: num({ default: 256 * 1024, desc: 'largest JSON body accepted (413 beyond)' }),
};

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const config = loadConfig(gatewayEnv, env);
  return config;
};
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
