/** What an agent worker imports. */
export * from './agent-worker';
export * from './run-reporter';
export * from './types';
