/** Real infrastructure for tests and benchmarks: private nats-server, private database, service processes. */
export * from './database';
export * from './nats-server';
export * from './ports';
export * from './service-process';
export * from './private-postgres';
export * from './nats-cluster';
