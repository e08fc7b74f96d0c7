import { cleanEnv, makeValidator, type CleanedEnv } from 'envalid';

export { bool, num, port, str, url } from 'envalid';

/** Thrown at start-up; its message names every bad variable. */
export class ConfigError extends Error {}

function checkUrl(input: string, schemes: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new Error(`"${input}" is not a URL`);
  }
  if (!schemes.includes(parsed.protocol.replace(/:$/, '')))
    throw new Error(`"${input}" must start with ${schemes.map((s) => `${s}://`).join(' or ')}`);
  return input;
}

/** `nats://host:port`, or a comma-separated list of them. */
export const natsUrl = makeValidator<string>((input: string) => {
  for (const part of input.split(',')) checkUrl(part.trim(), ['nats', 'tls', 'ws', 'wss']);
  return input;
});
export const postgresUrl = makeValidator<string>((input: string) => checkUrl(input, ['postgres', 'postgresql']));

/** Variables every service reads. */
export const commonEnv = {
  NATS_URL: natsUrl({ default: 'nats://127.0.0.1:4222', desc: 'NATS server(s) with JetStream' }),
  LOG_LEVEL: makeValidator<string>((input: string) => {
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(input))
      throw new Error('must be one of fatal, error, warn, info, debug, trace, silent');
    return input;
  })({ default: 'info' }),
  STREAM_REPLICAS: makeValidator<number>((input: string) => {
    const n = Number(input);
    if (![1, 3, 5].includes(n)) throw new Error('must be 1, 3 or 5');
    return n;
  })({ default: 1, desc: 'JetStream replicas for Runstream streams (3 in a production cluster)' }),
};

export const DEV_JWT_SECRET = 'runstream-development-secret-change-me';

/** Token verification (gateway and stream-service). */
export const authEnv = {
  JWT_SECRET: makeValidator<string>((input: string) => input)({
    default: DEV_JWT_SECRET,
    desc: 'HS256 secret (development); ignored when JWKS_URL is set',
  }),
  JWKS_URL: makeValidator<string>((input: string) => checkUrl(input, ['https', 'http']))({
    default: undefined,
    desc: 'JWKS endpoint for RS256/ES256 tokens (production)',
  }),
  JWT_ISSUER: makeValidator<string>((input: string) => input)({ default: undefined, desc: 'required `iss` claim' }),
  JWT_AUDIENCE: makeValidator<string>((input: string) => input)({ default: undefined, desc: 'required `aud` claim' }),
};

export const databaseEnv = {
  DATABASE_URL: postgresUrl({ default: 'postgres://postgres@127.0.0.1:5432/runstream', desc: 'PostgreSQL read model' }),
};

/** Validates the environment; throws one `ConfigError` naming each invalid variable. */
export function loadConfig<S extends object>(specs: S, env: NodeJS.ProcessEnv = process.env): CleanedEnv<S> {
  // A plain copy: envalid's strict proxy throws on any unknown property (NestJS probes providers).
  const cleaned = cleanEnv(env, specs, {
    reporter: ({ errors }) => {
      const names = Object.keys(errors);
      if (names.length === 0) return;
      const detail = names
        .map((name) => `${name}: ${(errors as Record<string, Error>)[name]?.message ?? 'invalid'}`)
        .join('; ');
      throw new ConfigError(`invalid configuration: ${detail}`);
    },
  });
  return Object.freeze({ ...cleaned }) as CleanedEnv<S>;
}
