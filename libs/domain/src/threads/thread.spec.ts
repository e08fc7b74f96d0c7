import { DomainError, ErrorCode, type Actor, type ThreadCommand, type ThreadEvent, type ThreadSnapshot } from '#contracts';
import { decideThread, evolveThread, type ThreadEventDraft, type ThreadState } from './thread';

const THREAD_ID = 42;
const at = (sequence: number) => new Date(Date.UTC(2030, 0, 1, 10, sequence)).toISOString();

const OWNER: Actor = { kind: 'user', id: 'user-1', org: 'acme', project: 'default' };
const OTHER_USER: Actor = { kind: 'user', id: 'user-2', org: 'acme', project: 'default' };
const AGENT: Actor = { kind: 'agent', id: 'worker-7' };
const SYSTEM: Actor = { kind: 'system', id: 'runstream' };

// ---- given / when / then --------------------------------------------------------------------

function toEvents(drafts: ThreadEventDraft[]): ThreadEvent[] {
  return drafts.map((draft, i) => {
    const sequence = i + 1;
    const metadata = {
      eventId: `evt-${sequence}`,
      streamId: String(THREAD_ID),
      sequence,
      createdAt: at(sequence),
      commandId: `given-${sequence}`,
      correlationId: 'given',
      causationId: `given-${sequence}`,
      actor: SYSTEM,
      batch: { index: 0, count: 1 },
    };
    return { ...draft, metadata } as ThreadEvent;
  });
}

const fold = (drafts: ThreadEventDraft[]): ThreadState => toEvents(drafts).reduce<ThreadState>(evolveThread, null);

function given(history: ThreadEventDraft[]) {
  const state = fold(history);
  return {
    when: (command: ThreadCommand) => {
      const decide = () => decideThread(command, state);
      return {
        then: (expected: ThreadEventDraft[]) => expect(decide()).toEqual(expected),
        thenThrows: (code: ErrorCode) => {
          let error: unknown;
          try {
            decide();
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
        },
      };
    },
  };
}

// ---- commands and events --------------------------------------------------------------------

type Changes = { title?: string | null; metadata?: Record<string, unknown> };
const meta = (actor: Actor) => ({
  commandId: 'cmd-1',
  correlationId: 'corr-1',
  actor,
  issuedAt: '2030-01-01T12:00:00.000Z',
});
const createThread = (changes: Changes = {}, actor = OWNER): ThreadCommand => ({
  type: 'CreateThread',
  data: { threadId: THREAD_ID, ...changes },
  metadata: meta(actor),
});
const updateThread = (changes: Changes, actor = OWNER): ThreadCommand => ({
  type: 'UpdateThread',
  data: { threadId: THREAD_ID, ...changes },
  metadata: meta(actor),
});

/** What CreateThread decides (v2: with the project and visibility). */
const threadCreated = (data: Partial<Extract<ThreadEventDraft, { type: 'ThreadCreatedV2' }>['data']> = {}): ThreadEventDraft => ({
  type: 'ThreadCreatedV2',
  data: { threadId: THREAD_ID, ownerId: OWNER.id, org: 'acme', project: 'default', visibility: 'private', title: null, metadata: {}, ...data },
});
/** A thread created before v2: private, in the default project. */
const threadCreatedV1 = (data: Partial<Extract<ThreadEventDraft, { type: 'ThreadCreated' }>['data']> = {}): ThreadEventDraft => ({
  type: 'ThreadCreated',
  data: { threadId: THREAD_ID, ownerId: OWNER.id, org: 'acme', title: null, metadata: {}, ...data },
});
const messageAppended = (position: number, content: string, role: 'user' | 'assistant' = 'user', runId: string | null = null): ThreadEventDraft => ({
  type: 'ThreadMessageAppended',
  data: { messageId: `m${position}`, position, role, content, runId },
});
const appendMessage = (content: string, actor = OWNER, role: 'user' | 'assistant' = 'user', messageId = 'm1'): ThreadCommand => ({
  type: 'AppendThreadMessage',
  data: { threadId: THREAD_ID, messageId, role, content },
  metadata: meta(actor),
});
const threadUpdated = (revision: number, changes: Changes): ThreadEventDraft => ({
  type: 'ThreadUpdated',
  data: { revision, ...changes },
});

const EXISTING = [threadCreatedV1({ title: 'First', metadata: { lang: 'en' } })];

// ---- decideThread ---------------------------------------------------------------------------

describe('decideThread', () => {
  describe('CreateThread', () => {
    it('creates a thread owned by the actor, title null and metadata {} by default', () =>
      given([]).when(createThread()).then([threadCreated()]));
    it('keeps the given title and metadata', () =>
      given([])
        .when(createThread({ title: 'Plans', metadata: { tags: ['q3'] } }))
        .then([threadCreated({ title: 'Plans', metadata: { tags: ['q3'] } })]));
    it('records org null for an actor without org', () =>
      given([])
        .when(createThread({}, { kind: 'user', id: 'user-9' }))
        .then([threadCreated({ ownerId: 'user-9', org: null })]));
    it('treats an explicit title null as no title', () =>
      given([]).when(createThread({ title: null })).then([threadCreated()]));
    it('refuses metadata null (the read model keeps an object)', () =>
      given([]).when(createThread({ metadata: null as unknown as Record<string, unknown> })).thenThrows(ErrorCode.ValidationFailed));
    it.each([OWNER, OTHER_USER])('refuses an existing thread (actor $id)', (actor) =>
      given(EXISTING).when(createThread({}, actor)).thenThrows(ErrorCode.AlreadyExists));
    it("records the actor's project and the requested visibility", () =>
      given([])
        .when({ type: 'CreateThread', data: { threadId: THREAD_ID, visibility: 'project' }, metadata: meta({ ...OWNER, project: 'p9' }) })
        .then([threadCreated({ project: 'p9', visibility: 'project' })]));
  });

  describe('AppendThreadMessage', () => {
    it('appends a user message at the next position', () =>
      given([...EXISTING, messageAppended(1, 'hi')]).when(appendMessage('Plan Rome', OWNER, 'user', 'm2')).then([messageAppended(2, 'Plan Rome')]));
    it('refuses a user writing as the assistant', () =>
      given(EXISTING).when(appendMessage('I am the agent', OWNER, 'assistant')).thenThrows(ErrorCode.ValidationFailed));
    it('takes an assistant message from Runstream, naming its run', () =>
      given(EXISTING)
        .when({ type: 'AppendThreadMessage', data: { threadId: THREAD_ID, messageId: 'm1', role: 'assistant', content: 'Day 1: …', runId: 'r1' }, metadata: meta(SYSTEM) })
        .then([messageAppended(1, 'Day 1: …', 'assistant', 'r1')]));
    it.each(['', 'x'.repeat(32 * 1024 + 1)])('refuses content of %#', (content) => {
      const when = given(EXISTING).when(appendMessage(content));
      when.thenThrows(content === '' ? ErrorCode.ValidationFailed : ErrorCode.PayloadTooLarge);
    });
    it("refuses another user's private thread as not found", () =>
      given(EXISTING).when(appendMessage('hi', OTHER_USER)).thenThrows(ErrorCode.ThreadNotFound));
    it('lets the same project write to a project thread', () =>
      given([threadCreated({ visibility: 'project' })]).when(appendMessage('hi', OTHER_USER)).then([messageAppended(1, 'hi')]));
  });

  describe('UpdateThread', () => {
    it('advances the revision and carries the title', () =>
      given(EXISTING).when(updateThread({ title: 'Renamed' })).then([threadUpdated(2, { title: 'Renamed' })]));
    it('advances from the current revision after earlier updates', () =>
      given([...EXISTING, threadUpdated(2, { title: 'A' }), threadUpdated(3, { metadata: {} })])
        .when(updateThread({ metadata: { x: 1 } }))
        .then([threadUpdated(4, { metadata: { x: 1 } })]));
    it('carries both title and metadata', () =>
      given(EXISTING)
        .when(updateThread({ title: 'Both', metadata: { y: 2 } }))
        .then([threadUpdated(2, { title: 'Both', metadata: { y: 2 } })]));
    it('accepts title null (clearing the title)', () =>
      given(EXISTING).when(updateThread({ title: null })).then([threadUpdated(2, { title: null })]));
    it('accepts empty metadata (clearing the metadata)', () =>
      given(EXISTING).when(updateThread({ metadata: {} })).then([threadUpdated(2, { metadata: {} })]));
    it("refuses another user's thread as not found", () =>
      given(EXISTING).when(updateThread({ title: 'Mine now' }, OTHER_USER)).thenThrows(ErrorCode.ThreadNotFound));
    it('refuses a missing thread as not found', () =>
      given([]).when(updateThread({ title: 'Ghost' })).thenThrows(ErrorCode.ThreadNotFound));
    it("does not reveal another user's thread through validation", () =>
      given(EXISTING).when(updateThread({}, OTHER_USER)).thenThrows(ErrorCode.ThreadNotFound));
    it.each<[string, Changes]>([
      ['no fields', {}],
      ['only undefined fields', { title: undefined, metadata: undefined }],
    ])('refuses an update with %s', (_name, changes) =>
      given(EXISTING).when(updateThread(changes)).thenThrows(ErrorCode.ValidationFailed));
    it.each<[string, unknown]>([
      ['null', null],
      ['an array', [1, 2]],
      ['a string', 'x'],
    ])('refuses metadata that is %s (the read model keeps an object)', (_name, value) =>
      given(EXISTING).when(updateThread({ metadata: value as Record<string, unknown> })).thenThrows(ErrorCode.ValidationFailed));
    it.each([AGENT, SYSTEM])('does not owner-check a(n) $kind actor', (actor) =>
      given(EXISTING).when(updateThread({ title: 'By machine' }, actor)).then([threadUpdated(2, { title: 'By machine' })]));
  });
});

// ---- evolveThread ---------------------------------------------------------------------------

describe('evolveThread', () => {
  const created = fold(EXISTING) as ThreadSnapshot;

  it('ThreadCreated starts at revision 1', () =>
    expect(created).toEqual({
      id: THREAD_ID,
      ownerId: OWNER.id,
      org: 'acme',
      project: 'default',
      visibility: 'private',
      messageCount: 0,
      title: 'First',
      metadata: { lang: 'en' },
      revision: 1,
      lastEventSequence: 1,
      createdAt: at(1),
      updatedAt: at(1),
    }));

  it('a message counts without changing the revision', () =>
    expect(fold([...EXISTING, messageAppended(1, 'hi')])).toEqual({ ...created, messageCount: 1, lastEventSequence: 2, updatedAt: at(2) }));

  it('ThreadUpdated on a missing thread stays missing', () =>
    expect(evolveThread(null, toEvents([...EXISTING, threadUpdated(2, { title: 'x' })])[1])).toBeNull());

  it.each<[string, Changes, Pick<ThreadSnapshot, 'title' | 'metadata'>]>([
    ['a title keeps the metadata', { title: 'Renamed' }, { title: 'Renamed', metadata: { lang: 'en' } }],
    ['metadata keeps the title and replaces (not merges)', { metadata: { tone: 'dry' } }, { title: 'First', metadata: { tone: 'dry' } }],
    ['an undefined title keeps the title', { title: undefined, metadata: {} }, { title: 'First', metadata: {} }],
    ['a null title clears the title', { title: null }, { title: null, metadata: { lang: 'en' } }],
    ['both replace both', { title: 'T', metadata: { a: 1 } }, { title: 'T', metadata: { a: 1 } }],
  ])('ThreadUpdated with %s', (_name, changes, expected) =>
    expect(fold([...EXISTING, threadUpdated(2, changes)])).toEqual({
      ...created,
      ...expected,
      revision: 2,
      lastEventSequence: 2,
      updatedAt: at(2),
    }));

  it('takes the revision from the event and the sequence from the metadata', () =>
    expect(fold([...EXISTING, threadUpdated(2, { title: 'A' }), threadUpdated(7, { title: 'B' })])).toEqual({
      ...created,
      title: 'B',
      revision: 7,
      lastEventSequence: 3,
      updatedAt: at(3),
    }));

  it('decided updates fold back to the expected thread', () => {
    const history = [...EXISTING];
    for (const changes of [{ title: 'One' }, { metadata: { n: 2 } }, { title: null }] as Changes[]) {
      history.push(...decideThread(updateThread(changes), fold(history)));
    }
    expect(fold(history)).toEqual({ ...created, title: null, metadata: { n: 2 }, revision: 4, lastEventSequence: 4, updatedAt: at(4) });
  });
});

// ---- edges the mutation run (StrykerJS) found no case for; every fold runs inside its test ----

describe('thread rules at their edges', () => {
  it('a v2 creation folds with its project and visibility', () =>
    expect(fold([threadCreated({ project: 'p9', visibility: 'org' })])).toMatchObject({ project: 'p9', visibility: 'org', revision: 1 }));
  it('a v1 creation folds as private, in the default project', () =>
    expect(fold([threadCreatedV1({ project: 'p9', visibility: 'org' } as object)])).toMatchObject({ project: 'default', visibility: 'private' }));
  it('a message on a missing thread stays missing', () =>
    expect(evolveThread(null, toEvents([...EXISTING, messageAppended(1, 'hi')])[1])).toBeNull());

  const fromRunstream = (data: Record<string, unknown>): ThreadCommand =>
    ({ type: 'AppendThreadMessage', data: { threadId: THREAD_ID, messageId: 'm1', role: 'assistant', content: 'ok', ...data }, metadata: meta(SYSTEM) }) as ThreadCommand;
  it.each(['system', 'tool'])('refuses a role of %s even from Runstream', (role) =>
    given(EXISTING).when(fromRunstream({ role })).thenThrows(ErrorCode.ValidationFailed));
  it.each<[string, Actor]>([
    ['Runstream', SYSTEM],
    ['a user', OWNER],
  ])('refuses content that is not a string from %s', (_name, actor) =>
    given(EXISTING)
      .when({ type: 'AppendThreadMessage', data: { threadId: THREAD_ID, messageId: 'm1', role: actor === OWNER ? 'user' : 'assistant', content: 42 }, metadata: meta(actor) } as unknown as ThreadCommand)
      .thenThrows(ErrorCode.ValidationFailed));
  it('takes an assistant message over the input limit from Runstream (the limit is for users)', () => {
    const long = 'x'.repeat(32 * 1024 + 1);
    given(EXISTING).when(fromRunstream({ content: long })).then([messageAppended(1, long, 'assistant')]);
  });
  it('takes a user message of exactly the limit, counted in UTF-8 bytes', () => {
    const atLimit = 'é'.repeat(16 * 1024); // two bytes each: 32 KB
    given(EXISTING).when(appendMessage(atLimit)).then([messageAppended(1, atLimit)]);
    given(EXISTING).when(appendMessage(`${atLimit}x`)).thenThrows(ErrorCode.PayloadTooLarge);
  });
  it('refuses an unknown command', () =>
    given(EXISTING)
      .when({ type: 'DeleteThread', data: { threadId: THREAD_ID }, metadata: meta(OWNER) } as unknown as ThreadCommand)
      .thenThrows(ErrorCode.ValidationFailed));
});
