/** What an agent worker imports. */
export * from './run-reporter';
