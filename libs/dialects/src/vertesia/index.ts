import { asRunEvent, type DialectBase } from '../dialect';
import { vertesiaMessagesOf } from './messages';
import { agentListFilter, forkSequence, terminateReason } from './list';
import { agentRunRequest } from './requests';
import { VERTESIA_ROUTES } from './routes';
import { VERTESIA_SSE } from './sse';
import { agentRunPage, agentRunView, fileArtifactView, interactionView, queryResultView, signalledView, terminatedView } from './views';

export * from './artifacts';
export * from './list';
export * from './messages';
export * from './requests';
export * from './routes';
export { CORE_STATUSES, VERTESIA_STATUS, agentRunView } from './views';

/**
 * Vertesia Agent Runs (seed 004): `/api/v1/agents…`, snake_case, statuses `created`…`cancelled`,
 * messages in Vertesia's shape, a token in `access_token` on the stream (EventSource sends no
 * headers), `{ "error": string }`.
 */
export const vertesia = {
  name: 'vertesia',
  routes: VERTESIA_ROUTES,
  streamAuth: { cookie: false, bearer: true, queryToken: 'access_token' },
  sse: VERTESIA_SSE,
  errorBody: ({ message }) => ({ error: Array.isArray(message) ? message.join('; ') : message }),
  views: {
    run: agentRunView,
    page: agentRunPage,
    terminated: terminatedView,
    signalled: signalledView,
    queryResult: queryResultView,
    interaction: interactionView,
    file: fileArtifactView,
    messages: vertesiaMessagesOf,
    runRequest: agentRunRequest,
    listFilter: agentListFilter,
    terminateReason,
    forkSequence,
    updates: (runId: string, events: { sequence: number; type: string; data: unknown; createdAt: string; clock: number }[]) => ({
      messages: events.flatMap((e) => vertesiaMessagesOf(asRunEvent(e), e.clock, runId)),
    }),
  },
} satisfies DialectBase & { views: object };
