export * from './run-chaos';
export * from './system';
