import type { DialectBase } from '../dialect';
import { THREAD_RUNS_SSE } from './sse';
import { createdRunView, runDetailView, runListView, threadMessageView, threadRunRequest, threadRunView } from './views';

export { THREAD_RUNS_EVENTS, threadRunsEventOf } from './events';
export * from './views';

/**
 * The threads/runs API (seed 003): snake_case, bare arrays, `POST …:cancel`, `after_seq`, `run.*`
 * events, bearer (or API key) on every route including SSE, `{ "error": string }`.
 */
export const threadRuns = {
  name: 'thread-runs',
  routes: {
    prefixes: ['/v1/runs', '/v1/threads/[^/]+/runs', '/v1/threads/[^/]+/messages'],
    streams: ['/v1/runs/[^/]+/events'],
    artifacts: [],
  },
  streamAuth: { cookie: false, bearer: true, queryToken: null },
  sse: THREAD_RUNS_SSE,
  errorBody: ({ message }) => ({ error: Array.isArray(message) ? message.join('; ') : message }),
  views: {
    created: createdRunView,
    threadRun: threadRunView,
    listItem: runListView,
    detail: runDetailView,
    message: threadMessageView,
    runRequest: threadRunRequest,
  },
} satisfies DialectBase & { views: object };
