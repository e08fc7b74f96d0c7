import {
  DomainError,
  ErrorCode,
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
      return {
        id: data.threadId,
        ownerId: data.ownerId,
        org: data.org,
        title: data.title,
        metadata: data.metadata,
        revision: 1,
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
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

export function createThread(command: CreateThread, state: ThreadState): ThreadEventDraft[] {
  const { data, metadata } = command;
  if (state !== null) throw new DomainError(ErrorCode.AlreadyExists, `thread ${data.threadId} already exists`);
  return [
    {
      type: 'ThreadCreated',
      data: {
        threadId: data.threadId,
        ownerId: metadata.actor.id,
        org: metadata.actor.org ?? null,
        title: data.title ?? null,
        metadata: data.metadata ?? {},
      },
    },
  ];
}

export function updateThread(command: UpdateThread, state: ThreadState): ThreadEventDraft[] {
  const { data, metadata } = command;
  if (state === null || (metadata.actor.kind === 'user' && state.ownerId !== metadata.actor.id))
    throw new DomainError(ErrorCode.ThreadNotFound, 'thread not found');
  if (data.title === undefined && data.metadata === undefined)
    throw new DomainError(ErrorCode.ValidationFailed, 'nothing to update: give title or metadata');
  return [
    {
      type: 'ThreadUpdated',
      data: { revision: state.revision + 1, title: data.title, metadata: data.metadata },
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
    default: {
      const unknownType: never = type;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown command ${String(unknownType)}`);
    }
  }
}
