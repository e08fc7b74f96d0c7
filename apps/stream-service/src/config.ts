import { commonEnv, loadConfig, port } from '#platform';

export const env = {
  ...commonEnv,
  PORT: port({ default: 3002, desc: 'HTTP port' }),
};

export const loadStreamServiceConfig = (source: NodeJS.ProcessEnv = process.env) => loadConfig(env, source);
export type StreamServiceConfig = ReturnType<typeof loadStreamServiceConfig>;
