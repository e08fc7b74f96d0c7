import { SUBJECTS, type ConversationBase, type RunEvent, type ThreadEvent } from '#contracts';
import { runConversation, threadConversation, type ConversationMessage } from '#domain';
import type { EventStore } from '#messaging';

/** How many forks deep a conversation is followed (a fork of a fork of …). */
const MAX_DEPTH = 32;

/**
 * Reads a run's conversation from the log: where it began (a thread's messages, or the source
 * run's conversation up to the fork point, followed by reference), then the run's own messages as
 * of the event that starts the attempt (`throughStreamSeq`).
 */
export async function loadConversation(store: EventStore, runId: string, throughStreamSeq: number): Promise<ConversationMessage[]> {
  const own = (await store.read<RunEvent>(SUBJECTS.runEvents(runId), 0)).filter((e) => e.streamSeq <= throughStreamSeq);
  const { base, messages } = runConversation(own.map((e) => e.event));
  return [...(await baseMessages(store, base, 0)), ...messages];
}

async function baseMessages(store: EventStore, base: ConversationBase | null, depth: number): Promise<ConversationMessage[]> {
  if (base === null || depth >= MAX_DEPTH) return [];
  if (base.kind === 'thread') {
    const events = await store.read<ThreadEvent>(SUBJECTS.threadEvents(base.threadId), 0);
    return threadConversation(
      events.map((e) => e.event),
      base.messages,
    );
  }
  const events = await store.read<RunEvent>(SUBJECTS.runEvents(base.runId), 0);
  const source = runConversation(
    events.map((e) => e.event),
    base.sequence,
  );
  return [...(await baseMessages(store, source.base, depth + 1)), ...source.messages];
}
