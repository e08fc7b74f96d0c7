import { sseFrame, type SseCodec } from '../dialect';
import { vertesiaMessagesOf } from './messages';

/**
 * Vertesia's message stream: each message an unnamed `data:` frame (`id:` = the event's
 * sequence, for Last-Event-ID), none for events without messages; the server closes after the
 * `complete` or `terminated` message that ends the run.
 */
export const VERTESIA_SSE: SseCodec = {
  opened: () => null,
  event: (event, clock) => {
    const messages = vertesiaMessagesOf(event, clock, event.metadata.streamId);
    return messages.length === 0 ? null : sseFrame(messages[0], event.metadata.sequence);
  },
  status: () => null,
  finished: () => null,
  error: () => null,
};
