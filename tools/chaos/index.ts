export * from './run-chaos';
export * from './system';
export * from './cluster-probe';
