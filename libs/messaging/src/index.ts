export * from './aggregate-command-handler';
export * from './aggregate-repository';
export * from './aggregate-stream';
export * from './command-client';
export * from './command-outcome';
export * from './connection';
export * from './event-store';
export * from './topology';
