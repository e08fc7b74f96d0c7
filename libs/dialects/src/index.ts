/** Each public API dialect in one module: its event table, views, SSE codec, error body, routes and auth rules. */
export * from './dialect';
export * from './run-metrics';
export * from './registry';
export * from './travelmode';
export * from './vertesia';
export * from './ingress';
export * from './thread-runs';
export * from './docs';
