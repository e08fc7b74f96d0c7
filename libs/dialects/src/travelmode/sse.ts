import { sseFrame, type SseCodec } from '../dialect';
import { travelmodeEventOf } from './events';

/**
 * Seed 002's frames: `connected` first, `run_event` per event (`id:` = sequence), periodic
 * `status`, `run_finished` at the end, `error` before any other close.
 */
export const TRAVELMODE_SSE: SseCodec = {
  opened: (run, since) => sseFrame({ type: 'connected', runId: run.id, since }),
  event: (event) => sseFrame({ type: 'run_event', event: travelmodeEventOf(event) }, event.metadata.sequence),
  status: (run, lastEventSequence) => sseFrame({ type: 'status', status: run.status, phase: run.phase, lastEventSequence }),
  finished: (run, lastEventSequence) => sseFrame({ type: 'run_finished', status: run.status, lastEventSequence }),
  error: (error, lastEventSequence) => sseFrame({ type: 'error', error, lastEventSequence }),
};
