import { commonEnv, loadConfig, port } from '#platform';

export const env = {
  ...commonEnv,
  PORT: port({ default: 3003, desc: 'HTTP port' }),
};

export const loadArtifactServiceConfig = (source: NodeJS.ProcessEnv = process.env) => loadConfig(env, source);
export type ArtifactServiceConfig = ReturnType<typeof loadArtifactServiceConfig>;
