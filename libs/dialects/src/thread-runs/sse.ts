import { sseFrame, type SseCodec } from '../dialect';
import { threadRunsEventOf } from './events';

/**
 * Seed 003's stream: one `data:` frame per event (`id:` = seq, so Last-Event-ID resumes), nothing
 * else; the server closes after the terminal event. Heartbeats are SSE comments.
 */
export const THREAD_RUNS_SSE: SseCodec = {
  opened: () => null,
  event: (event) => sseFrame(threadRunsEventOf(event), event.metadata.sequence),
  status: () => null,
  finished: () => null,
  error: () => null,
};
