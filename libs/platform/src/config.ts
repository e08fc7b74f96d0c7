import { cleanEnv, makeValidator, type CleanedEnv } from 'envalid';

export { bool, num, port, str, url } from 'envalid';

/** Thrown at start-up; its message names every bad variable. */
/** A configuration mistake: its message names the variable (never a value) and is safe to log. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

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

/** A whole number of at least `min`. */
export const wholeNumber = (min: number) =>
  makeValidator<number>((input: string) => {
    const n = Number(input);
    if (!/^\d+$/.test(input) || n < min) throw new Error(`must be a whole number, at least ${min}`);
    return n;
  });

export const DEV_JWT_SECRET = 'runstream-development-secret-change-me';
export const DEV_ARTIFACT_URL_SECRET = 'runstream-development-artifact-url-secret';

/** Secrets with a public development default; `unlessSet`: the variable that makes it unused. */
const DEVELOPMENT_SECRETS: { name: string; development: string; unlessSet?: string }[] = [
  { name: 'JWT_SECRET', development: DEV_JWT_SECRET, unlessSet: 'JWKS_URL' },
  { name: 'ARTIFACT_URL_SECRET', development: DEV_ARTIFACT_URL_SECRET },
];
/** Placeholders of example files (docker-compose, k8s) are as public as the defaults. */
const PLACEHOLDER = /change[-_ ]?me/i;
const MIN_PRODUCTION_SECRET_LENGTH = 32;

/**
 * With NODE_ENV=production a secret may not be its development default, an example's placeholder,
 * or shorter than 32 characters: each such variable is named (never its value).
 */
export function productionSecretProblems(config: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  for (const { name, development, unlessSet } of DEVELOPMENT_SECRETS) {
    const value = config[name];
    if (typeof value !== 'string' || (unlessSet && config[unlessSet])) continue;
    if (value === development || PLACEHOLDER.test(value))
      problems.push(`${name}: the development default or an example's placeholder is refused in production${unlessSet ? ` (set ${name}, or ${unlessSet})` : ''}`);
    else if (value.length < MIN_PRODUCTION_SECRET_LENGTH) problems.push(`${name}: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`);
  }
  return problems;
}

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
  ALLOWED_ORIGINS: makeValidator<string[]>((input: string) => {
    const origins = input.split(',').map((o) => o.trim()).filter(Boolean);
    for (const origin of origins) if (checkUrl(origin, ['https', 'http']) && new URL(origin).origin !== origin) throw new Error(`"${origin}" is not an origin (scheme://host[:port])`);
    return origins;
  })({ default: [], desc: 'other sites whose pages may write with the session cookie (comma-separated origins)' }),
  JWT_MAX_LIFETIME_SECONDS: makeValidator<number>((input: string) => {
    const n = Number(input);
    if (!Number.isInteger(n) || n < 60) throw new Error('must be a whole number of seconds, at least 60');
    return n;
  })({ default: 86_400, desc: 'the longest a token may still be valid for (exp - now)' }),
  JWT_CLOCK_SKEW_SECONDS: makeValidator<number>((input: string) => {
    const n = Number(input);
    if (!Number.isInteger(n) || n < 0 || n > 300) throw new Error('must be a whole number of seconds from 0 to 300');
    return n;
  })({ default: 60, desc: 'how far the clocks of token issuers and services may differ' }),
  RATE_LIMIT_REQUESTS: wholeNumber(0)({ default: 2_000, desc: 'requests one principal may make per window on one replica; 0: no limit' }),
  RATE_LIMIT_WINDOW_SECONDS: wholeNumber(1)({ default: 10, desc: 'the window of RATE_LIMIT_REQUESTS' }),
};

/** HTTP services behind proxies (gateway, artifact-service). */
export const proxyEnv = {
  TRUSTED_PROXIES: makeValidator<string>((input: string) => {
    if (!/^[0-9a-fA-F.:/, a-z]+$/.test(input)) throw new Error('must be comma-separated addresses, subnets, or loopback/linklocal/uniquelocal');
    return input;
  })({ default: 'loopback', desc: 'whose X-Forwarded-* headers are believed (Express trust proxy): others see the connection as it is' }),
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
  const plain: Record<string, unknown> = { ...cleaned };
  const problems = productionSecretProblems(plain, env);
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return Object.freeze(plain) as CleanedEnv<S>;
}
