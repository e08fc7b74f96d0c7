import { makeValidator } from 'envalid';
import { ConfigError, DEV_ARTIFACT_URL_SECRET, authEnv, commonEnv, databaseEnv, loadConfig, port, proxyEnv, url } from '#platform';

const positiveInt = makeValidator<number>((input: string) => {
  const n = Number(input);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`must be a positive integer, got "${input}"`);
  return n;
});

export const env = {
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  ...proxyEnv,
  PORT: port({ default: 3003, desc: 'HTTP port' }),
  ARTIFACT_MAX_BYTES: positiveInt({ default: 256 * 1024 * 1024, desc: 'largest file artifact (413 beyond)' }),
  // The request carrying it is one NATS message (max_payload: 1 MiB by default).
  ARTIFACT_TYPED_MAX_BYTES: positiveInt({ default: 512 * 1024, desc: 'largest typed artifact content, as JSON' }),
  ARTIFACT_URL_SECRET: makeValidator<string>((input: string) => {
    if (input.length < 16) throw new Error('must be at least 16 characters');
    return input;
  })({ default: DEV_ARTIFACT_URL_SECRET, desc: 'HMAC-SHA256 key of signed download URLs' }),
  ARTIFACT_URL_TTL_SECONDS: positiveInt({ default: 900, desc: 'lifetime of a signed URL' }),
  ARTIFACT_PUBLIC_URL: url({ default: undefined, desc: 'base of signed URLs (default: the request’s own origin)' }),
  ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS: positiveInt({ default: 60_000, desc: 'an upload that sends nothing this long is aborted' }),
  ARTIFACT_SWEEP_INTERVAL_MS: positiveInt({ default: 300_000, desc: 'how often the sweeper looks for orphans' }),
  ARTIFACT_SWEEP_GRACE_MS: positiveInt({ default: 3_600_000, desc: 'age before an unreferenced object or chunk is removed' }),
  COMMAND_TIMEOUT_MS: positiveInt({ default: 5_000, desc: 'how long a request waits for the run-service' }),
  PROJECTION_WAIT_MS: positiveInt({ default: 2_000, desc: 'how long a write waits for the read model to show it' }),
};

export function loadArtifactServiceConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(env, source);
  // The sweeper must never take an object whose upload or RecordArtifact may still be in flight.
  if (config.ARTIFACT_SWEEP_GRACE_MS <= config.ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS + config.COMMAND_TIMEOUT_MS)
    throw new ConfigError(
      'invalid configuration: ARTIFACT_SWEEP_GRACE_MS: must exceed ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS + COMMAND_TIMEOUT_MS',
    );
  return config;
}
export type ArtifactServiceConfig = ReturnType<typeof loadArtifactServiceConfig>;
