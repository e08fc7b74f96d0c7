/** The aggregates (pure decide/evolve) and their command handlers, shared by the run-service and workers. */
export * from './runs/run';
export * from './runs/run-command.handler';
export * from './runs/run.decide';
export * from './runs/run.repository';
export * from './threads/thread';
export * from './threads/thread-command.handler';
export * from './threads/thread.repository';
export * from './runs/run.rules';
export * from './runs/run.client.decide';
export * from './runs/run.worker.decide';
export * from './keys/api-key';
export * from './keys/api-key.repository';
export * from './keys/api-key-command.handler';
export * from './conversation/conversation';
