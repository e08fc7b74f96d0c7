import type { DialectBase } from '../dialect';
import { TRAVELMODE_SSE } from './sse';
import { travelmodeEventPage } from './events';
import { apiKeyView, createdApiKeyView, travelmodeRun, travelmodeRunDetail, travelmodeRunPage, travelmodeRunRequest, travelmodeThread, travelmodeThreadPage, typedArtifactView } from './views';

export { TRAVELMODE_EVENTS, travelmodeEventOf, travelmodeEventPage } from './events';
export * from './views';

/**
 * Travelmode Agent Runs API v1 (seeds 000–002) and the native threads it runs over: camelCase, no
 * envelope, `{ "error": string | string[] }`, a cookie-only stream.
 */
export const travelmode = {
  name: 'travelmode',
  routes: {
    prefixes: ['/v1/agent-runs', '/v1/threads', '/v1/api-keys'],
    streams: ['/v1/agent-runs/[^/]+/stream'],
    artifacts: ['/v1/agent-runs/[^/]+/artifacts(/.*)?'],
  },
  streamAuth: { cookie: true, bearer: false, queryToken: null },
  sse: TRAVELMODE_SSE,
  errorBody: ({ message }) => ({ error: message }),
  views: {
    run: travelmodeRun,
    runDetail: travelmodeRunDetail,
    runRequest: travelmodeRunRequest,
    runPage: travelmodeRunPage,
    eventPage: travelmodeEventPage,
    thread: travelmodeThread,
    threadPage: travelmodeThreadPage,
    typedArtifact: typedArtifactView,
    apiKey: apiKeyView,
    createdApiKey: createdApiKeyView,
  },
} satisfies DialectBase & { views: object };
export * from './control';
