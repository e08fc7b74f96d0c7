export * from './data-source';
export * from './entities/artifact.record';
export * from './entities/run-event.record';
export * from './entities/run.record';
export * from './entities/thread.record';
export * from './mapping';
