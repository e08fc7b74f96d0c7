import type { ConversationBase, RunEvent, RunInput, ThreadEvent } from '#contracts';
import { upcastRunCreated } from '../runs/run';

/** One message of the conversation an agent is handed. */
export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string;
  /** Structured input (Vertesia's `data`) behind a user message. */
  data?: Record<string, unknown>;
  createdAt: string;
}

/** A run's own part of its conversation, and where the conversation began before it. */
export interface RunConversation {
  base: ConversationBase | null;
  messages: ConversationMessage[];
}

/** A run's input as the user message that opens its own part (`data.task` reads as the text when it is one). */
export function inputMessage(input: RunInput, createdAt: string): ConversationMessage | null {
  if (input.message) return { role: 'user', content: input.message, ...(input.data ? { data: input.data } : {}), createdAt };
  if (!input.data) return null;
  const task = input.data.task;
  return { role: 'user', content: typeof task === 'string' ? task : JSON.stringify(input.data), data: input.data, createdAt };
}

/**
 * Folds a run's events into its conversation: its input, then the inputs and answers of each
 * attempt. An attempt's messages count once it completes, or once a restart continues from it; a
 * retry or a redispatch starts the attempt over from the run's input, so the abandoned attempt's
 * messages are dropped. `upTo` stops at an event sequence: a fork continues from there, with the
 * messages of an attempt still in progress, as a restart at that point would.
 */
export function runConversation(events: RunEvent[], upTo = Number.POSITIVE_INFINITY): RunConversation {
  let base: ConversationBase | null = null;
  const committed: ConversationMessage[] = [];
  let pending: ConversationMessage[] = [];
  let cut = false;
  for (const event of events) {
    if (event.metadata.sequence > upTo) {
      cut = true;
      break;
    }
    const at = event.metadata.createdAt;
    switch (event.type) {
      case 'RunCreated':
      case 'RunCreatedV2': {
        const created = event.type === 'RunCreated' ? upcastRunCreated(event.data) : event.data;
        base = created.spec.conversation;
        // A fork shows its source's input but does not ask it again: the source's conversation has it.
        const opening = created.spec.forkedFrom ? null : inputMessage(created.spec.input, at);
        if (opening) committed.push(opening);
        break;
      }
      case 'RunStarted':
      case 'RunStartedV2':
      case 'RunRetried':
      case 'RunRetriedV2':
      case 'RunRedispatched':
      case 'RunRedispatchedV2':
        pending = [];
        break;
      case 'RunRestarted':
      case 'RunCompleted':
        committed.push(...pending);
        pending = [];
        break;
      case 'RunInputProvided':
        pending.push({ role: 'user', content: event.data.content, createdAt: at });
        break;
      case 'RunAnswered':
        pending.push({ role: 'assistant', content: event.data.content, createdAt: at });
        break;
      default:
        break;
    }
  }
  return { base, messages: cut || upTo !== Number.POSITIVE_INFINITY ? [...committed, ...pending] : committed };
}

/** A thread's first `upTo` messages. */
export function threadConversation(events: ThreadEvent[], upTo = Number.POSITIVE_INFINITY): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (const event of events) {
    if (event.type !== 'ThreadMessageAppended' || event.data.position > upTo) continue;
    messages.push({ role: event.data.role, content: event.data.content, createdAt: event.metadata.createdAt });
  }
  return messages;
}
