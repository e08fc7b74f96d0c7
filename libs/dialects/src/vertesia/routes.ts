import type { DialectRoutes } from '../dialect';

/** Vertesia Agent Runs (seed 004): everything under `/api/v1/`. */
export const VERTESIA_ROUTES: DialectRoutes = {
  prefixes: ['/api/v1'],
  streams: ['/api/v1/agents/[^/]+/stream'],
  artifacts: ['/api/v1/agents/[^/]+/artifacts(/.*)?'],
};
