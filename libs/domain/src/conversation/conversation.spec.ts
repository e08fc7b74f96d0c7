import type { RunEvent, ThreadEvent } from '#contracts';
import type { RunEventDraft } from '../runs/run.rules';
import { completed, created, failed, inputProvided, redispatched, restarted, retried, retriedV1, started, toEvents, v2Created } from '../runs/__tests__/run.fixtures';
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

describe('conversation edges the mutation run found no case for', () => {
  const withInput = (input: { message: string | null; data: Record<string, unknown> | null }) =>
    toEvents([{ type: 'RunCreatedV2', data: { ...v2Created(), spec: { ...v2Created().spec, input } } }]) as RunEvent[];
  const inProgress = () => toEvents([created, started(1), inputProvided(1, 'Oslo'), answered(1, 'Oslo plan')]);

  it('a message with data keeps the data', () =>
    expect(runConversation(withInput({ message: 'Plan', data: { city: 'Rome' } })).messages).toEqual([
      { role: 'user', content: 'Plan', data: { city: 'Rome' }, createdAt: expect.any(String) },
    ]));
  it('an input with neither message nor data opens with nothing', () => expect(runConversation(withInput({ message: null, data: null })).messages).toEqual([]));
  it.each<[string, Record<string, unknown>]>([
    ['no task', { city: 'Rome' }],
    ['a task that is not text', { task: 7, city: 'Rome' }],
  ])('data with %s reads as its JSON', (_name, data) =>
    expect(runConversation(withInput({ message: null, data })).messages).toEqual([
      { role: 'user', content: JSON.stringify(data), data, createdAt: expect.any(String) },
    ]));
  it('without a fork point, an attempt in progress adds nothing yet', () => expect(texts(inProgress())).toEqual(['user: hello']));
  it('a fork point past the end takes the attempt in progress', () =>
    expect(texts(inProgress(), 99)).toEqual(['user: hello', 'user: Oslo', 'assistant: Oslo plan']));
  it('a fork point after a completed attempt takes it once, and nothing after it', () => {
    const events = toEvents([created, started(1), inputProvided(1, 'Oslo'), completed(1), restarted(2), inputProvided(2, 'Bergen')]);
    expect(texts(events, 4)).toEqual(['user: hello', 'user: Oslo']);
    expect(texts(events, 5)).toEqual(['user: hello', 'user: Oslo']);
    expect(texts(events)).toEqual(['user: hello', 'user: Oslo']);
  });
  it.each([
    ['a retry', retried(2)],
    ['a v1 retry', retriedV1(2)],
    ['a redispatch', redispatched(2)],
  ])('a fork point after %s leaves out what the abandoned attempt added', (_name, again) =>
    expect(texts(toEvents([created, started(1), inputProvided(1, 'Oslo'), failed(1), again]), 5)).toEqual(['user: hello']));
  it("a thread's other events are not messages", () => {
    const meta = (sequence: number) => ({ sequence, createdAt: '2030-01-01T10:00:00.000Z' });
    const events = [
      { type: 'ThreadCreatedV2', data: { threadId: 42, ownerId: 'u', org: null, project: 'default', visibility: 'private', title: 't', metadata: {} }, metadata: meta(1) },
      { type: 'ThreadMessageAppended', data: { messageId: 'm1', position: 1, role: 'user', content: 'a', runId: null }, metadata: meta(2) },
      { type: 'ThreadUpdated', data: { revision: 2, title: 'u' }, metadata: meta(3) },
    ] as ThreadEvent[];
    expect(threadConversation(events)).toEqual([{ role: 'user', content: 'a', createdAt: '2030-01-01T10:00:00.000Z' }]);
  });
});
