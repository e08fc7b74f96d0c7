import { authEnv, commonEnv, databaseEnv, loadConfig, num, port, streamQuotaEnv } from '#platform';

export const env = {
  ...commonEnv,
  ...databaseEnv,
  ...authEnv,
  ...streamQuotaEnv,
  PORT: port({ default: 3002, desc: 'HTTP port' }),
  STREAM_STATUS_INTERVAL_MS: num({ default: 15_000, desc: 'how often an open stream gets a `status` frame' }),
  STREAM_HEARTBEAT_MS: num({ default: 15_000, desc: 'how often an open stream gets a comment line (proxies)' }),
  STREAM_RETRY_MS: num({ default: 2_000, desc: 'the `retry:` a browser waits before reconnecting' }),
  STREAM_MAX_PENDING_EVENTS: num({
    default: 10_000,
    desc: 'live events that may queue for a client still receiving its history before it is closed',
  }),
  PROJECTION_WAIT_MS: num({ default: 2_000, desc: 'how long the end of a run waits for the read model before it is streamed' }),
  STREAM_MAX_BUFFERED_BYTES: num({
    default: 1024 * 1024,
    desc: 'unsent bytes a slow client may hold before it is closed with an `error` frame',
  }),
};

export const loadStreamServiceConfig = (source: NodeJS.ProcessEnv = process.env) => loadConfig(env, source);
export type StreamServiceConfig = ReturnType<typeof loadStreamServiceConfig>;
