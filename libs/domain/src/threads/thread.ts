import {
  DEFAULT_PROJECT,
  DomainError,
  ErrorCode,
  MAX_INPUT_BYTES,
  canSee,
  viewerOf,
  type Actor,
  type AppendThreadMessage,
  type CreateThread,
  type EventDraft,
  type ThreadCommand,
  type ThreadEvent,
  type ThreadSnapshot,
  type UpdateThread,
} from '#contracts';

export type ThreadState = ThreadSnapshot | null;
export type ThreadEventDraft = EventDraft<ThreadEvent>;

export function evolveThread(state: ThreadState, event: ThreadEvent): ThreadState {
  const { type, data, metadata } = event;
  switch (type) {
    case 'ThreadCreated':
    case 'ThreadCreatedV2':
      return {
        id: data.threadId,
        ownerId: data.ownerId,
        org: data.org,
        // v1 threads: private, in the default project.
        project: type === 'ThreadCreatedV2' ? data.project : DEFAULT_PROJECT,
        visibility: type === 'ThreadCreatedV2' ? data.visibility : 'private',
        title: data.title,
        metadata: data.metadata,
        revision: 1,
        messageCount: 0,
        lastEventSequence: metadata.sequence,
        createdAt: metadata.createdAt,
        updatedAt: metadata.createdAt,
      };
    case 'ThreadUpdated':
      if (state === null) return state;
      return {
        ...state,
        title: data.title === undefined ? state.title : data.title,
        metadata: data.metadata === undefined ? state.metadata : data.metadata,
        revision: data.revision,
        lastEventSequence: metadata.sequence,
        updatedAt: metadata.createdAt,
      };
    case 'ThreadMessageAppended':
      if (state === null) return state;
      // A message is conversation, not a change of the thread: the revision stays.
      return { ...state, messageCount: data.position, lastEventSequence: metadata.sequence, updatedAt: metadata.createdAt };
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

const threadNotFound = () => new DomainError(ErrorCode.ThreadNotFound, 'thread not found');

/** A thread the actor may not see is indistinguishable from a missing one. */
function visibleThread(state: ThreadState, actor: Actor): ThreadSnapshot {
  if (state === null) throw threadNotFound();
  if (actor.kind === 'user' && !canSee(state, viewerOf(actor))) throw threadNotFound();
  return state;
}

/** Metadata is an object (absent: unchanged, or `{}` at creation); null or an array is refused. */
function checkMetadata(value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new DomainError(ErrorCode.ValidationFailed, 'metadata must be an object');
}

export function createThread(command: CreateThread, state: ThreadState): ThreadEventDraft[] {
  const { data, metadata } = command;
  if (state !== null) throw new DomainError(ErrorCode.AlreadyExists, `thread ${data.threadId} already exists`);
  checkMetadata(data.metadata);
  return [
    {
      type: 'ThreadCreatedV2',
      data: {
        threadId: data.threadId,
        ownerId: metadata.actor.id,
        org: metadata.actor.org ?? null,
        project: metadata.actor.project ?? DEFAULT_PROJECT,
        visibility: data.visibility ?? 'private',
        title: data.title ?? null,
        metadata: data.metadata ?? {},
      },
    },
  ];
}

export function updateThread(command: UpdateThread, state: ThreadState): ThreadEventDraft[] {
  const { data, metadata } = command;
  const thread = visibleThread(state, metadata.actor);
  if (data.title === undefined && data.metadata === undefined)
    throw new DomainError(ErrorCode.ValidationFailed, 'nothing to update: give title or metadata');
  checkMetadata(data.metadata);
  return [
    {
      type: 'ThreadUpdated',
      data: { revision: thread.revision + 1, title: data.title, metadata: data.metadata },
    },
  ];
}

/** Users write `user` messages; `assistant` messages are a run's answers, recorded by Runstream. */
export function appendThreadMessage(command: AppendThreadMessage, state: ThreadState): ThreadEventDraft[] {
  const { data, metadata } = command;
  const thread = visibleThread(state, metadata.actor);
  if (metadata.actor.kind === 'user' && data.role !== 'user')
    throw new DomainError(ErrorCode.ValidationFailed, 'role must be "user"');
  if (data.role !== 'user' && data.role !== 'assistant') throw new DomainError(ErrorCode.ValidationFailed, 'role must be user or assistant');
  if (typeof data.content !== 'string' || data.content.length === 0)
    throw new DomainError(ErrorCode.ValidationFailed, 'content must be a non-empty string');
  if (metadata.actor.kind === 'user' && Buffer.byteLength(data.content, 'utf8') > MAX_INPUT_BYTES)
    throw new DomainError(ErrorCode.PayloadTooLarge, `content exceeds ${MAX_INPUT_BYTES} bytes`);
  return [
    {
      type: 'ThreadMessageAppended',
      data: { messageId: data.messageId, position: thread.messageCount + 1, role: data.role, content: data.content, runId: data.runId ?? null },
    },
  ];
}

export function decideThread(command: ThreadCommand, state: ThreadState): ThreadEventDraft[] {
  const { type } = command;
  switch (type) {
    case 'CreateThread':
      return createThread(command, state);
    case 'UpdateThread':
      return updateThread(command, state);
    case 'AppendThreadMessage':
      return appendThreadMessage(command, state);
    default: {
      const unknownType: never = type;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown command ${String(unknownType)}`);
    }
  }
}
