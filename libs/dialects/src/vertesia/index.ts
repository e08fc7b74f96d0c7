export * from './artifacts';
export * from './routes';
