export * from './commands';
export * from './errors';
export * from './events';
export * from './metadata';
export * from './run-status';
export * from './snapshots';
export * from './subjects';
export * from './work';
