import type { RunEvent, ThreadEvent } from '#contracts';
import type { RunEventDraft } from '../runs/run.rules';
import { completed, created, failed, inputProvided, restarted, retried, started, toEvents, v2Created } from '../runs/__tests__/run.fixtures';
import { runConversation, threadConversation } from './conversation';

const answered = (attempt: number, content: string): RunEventDraft => ({ type: 'RunAnswered', data: { attempt, messageId: `m${attempt}`, content } });
const texts = (events: RunEvent[], upTo?: number) => runConversation(events, upTo).messages.map((m) => `${m.role}: ${m.content}`);

describe('a run conversation folded from its log', () => {
  it('opens with the run input, then what a completed attempt added', () =>
    expect(texts(toEvents([created, started(1), inputProvided(1, 'Lisbon'), answered(1, 'Plan for Lisbon'), completed(1)]))).toEqual([
      'user: hello',
      'user: Lisbon',
      'assistant: Plan for Lisbon',
    ]));
  it('drops what a failed attempt added when it is retried (a retry starts over from the input)', () =>
    expect(texts(toEvents([created, started(1), inputProvided(1, 'Oslo'), failed(1), retried(2)]))).toEqual(['user: hello']));
  it('keeps what a failed attempt added when the run is restarted (a restart continues)', () =>
    expect(texts(toEvents([created, started(1), inputProvided(1, 'Oslo'), failed(1), restarted(2)]))).toEqual(['user: hello', 'user: Oslo']));
  it('a fork at a sequence takes everything up to it, an attempt in progress included', () => {
    const events = toEvents([created, started(1), inputProvided(1, 'Oslo'), answered(1, 'Oslo plan'), completed(1)]);
    expect(texts(events, 3)).toEqual(['user: hello', 'user: Oslo']);
    expect(texts(events, 1)).toEqual(['user: hello']);
  });
  it('reads data.task as the text of a data input, keeping the data', () => {
    const [event] = toEvents([{ type: 'RunCreatedV2', data: { ...v2Created(), spec: { ...v2Created().spec, input: { message: null, data: { task: 'Q4' } } } } }]);
    expect(runConversation([event as RunEvent]).messages).toEqual([{ role: 'user', content: 'Q4', data: { task: 'Q4' }, createdAt: expect.any(String) }]);
  });
  it("a fork does not repeat its source's input: it continues the source's conversation", () => {
    const spec = { ...v2Created().spec, conversation: { kind: 'run' as const, runId: 'src', sequence: 9 }, forkedFrom: { runId: 'src', sequence: 9 } };
    const [event] = toEvents([{ type: 'RunCreatedV2', data: { ...v2Created(), spec } }]);
    expect(runConversation([event as RunEvent]).messages).toEqual([]);
  });
  it('names where it began (a thread or a source run)', () => {
    const [event] = toEvents([
      { type: 'RunCreatedV2', data: { ...v2Created(), spec: { ...v2Created().spec, conversation: { kind: 'thread', threadId: 42, messages: 2 } } } },
    ]);
    expect(runConversation([event as RunEvent]).base).toEqual({ kind: 'thread', threadId: 42, messages: 2 });
  });
});

describe("a thread's conversation", () => {
  const appended = (position: number, role: 'user' | 'assistant', content: string): ThreadEvent =>
    ({
      type: 'ThreadMessageAppended',
      data: { messageId: `m${position}`, position, role, content, runId: null },
      metadata: { sequence: position + 1, createdAt: '2030-01-01T10:00:00.000Z' },
    }) as ThreadEvent;
  it('is its messages in order, up to a count', () => {
    const events = [appended(1, 'user', 'a'), appended(2, 'assistant', 'b'), appended(3, 'user', 'c')];
    expect(threadConversation(events, 2).map((m) => m.content)).toEqual(['a', 'b']);
    expect(threadConversation(events).map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });
});
