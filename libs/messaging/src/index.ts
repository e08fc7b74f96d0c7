export * from './aggregate-repository';
export * from './aggregate-stream';
export * from './command-client';
export * from './connection';
export * from './event-store';
export * from './topology';
