export * from './core.module';
export * from './bootstrap';
export * from './config';
export * from './health/health.module';
export * from './logger';
export * from './metrics';
export * from './nats.module';
export * from './tokens';
