import {
  DEFAULT_PROJECT,
  DomainError,
  ErrorCode,
  type ApiKeyCommand,
  type ApiKeyEvent,
  type ApiKeySnapshot,
  type CreateApiKey,
  type EventDraft,
  type RevokeApiKey,
} from '#contracts';

export type ApiKeyState = ApiKeySnapshot | null;
export type ApiKeyEventDraft = EventDraft<ApiKeyEvent>;

export function evolveApiKey(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  const { type, data, metadata } = event;
  switch (type) {
    case 'ApiKeyCreated':
      return {
        id: data.keyId,
        name: data.name,
        ownerId: data.ownerId,
        org: data.org,
        project: data.project,
        scopes: data.scopes,
        secretHash: data.secretHash,
        prefix: data.prefix,
        createdBy: data.createdBy,
        createdAt: metadata.createdAt,
        revokedAt: null,
        lastEventSequence: metadata.sequence,
      };
    case 'ApiKeyRevoked':
      return state && { ...state, revokedAt: metadata.createdAt, lastEventSequence: metadata.sequence };
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

const keyNotFound = () => new DomainError(ErrorCode.NotFound, 'API key not found');

/**
 * A user creates keys that act as them, within their org and project and with at most the scopes
 * they hold now; a key cannot create keys (only a user's own token can).
 */
export function createApiKey(command: CreateApiKey, state: ApiKeyState): ApiKeyEventDraft[] {
  const { data, metadata } = command;
  const { actor } = metadata;
  if (state !== null) throw new DomainError(ErrorCode.AlreadyExists, `API key ${data.keyId} already exists`);
  if (actor.kind !== 'user') throw new DomainError(ErrorCode.Forbidden, 'only users create API keys');
  const held = actor.scopes ?? [];
  const beyond = data.scopes.filter((s) => !held.includes(s));
  if (beyond.length > 0) throw new DomainError(ErrorCode.Forbidden, `a key cannot have scopes its creator lacks: ${beyond.join(', ')}`);
  return [
    {
      type: 'ApiKeyCreated',
      data: {
        keyId: data.keyId,
        name: data.name,
        ownerId: actor.id,
        org: actor.org ?? null,
        project: actor.project ?? DEFAULT_PROJECT,
        scopes: [...new Set(data.scopes)],
        secretHash: data.secretHash,
        prefix: data.prefix,
        createdBy: { name: actor.name ?? null, email: actor.email ?? null },
      },
    },
  ];
}

/** Only its owner revokes a key (another user's key is as missing as an unknown one); twice is once. */
export function revokeApiKey(command: RevokeApiKey, state: ApiKeyState): ApiKeyEventDraft[] {
  const { actor } = command.metadata;
  if (state === null || (actor.kind === 'user' && (actor.id !== state.ownerId || (actor.org ?? null) !== state.org))) throw keyNotFound();
  if (state.revokedAt !== null) return [];
  return [{ type: 'ApiKeyRevoked', data: {} }];
}

export function decideApiKey(command: ApiKeyCommand, state: ApiKeyState): ApiKeyEventDraft[] {
  const { type } = command;
  switch (type) {
    case 'CreateApiKey':
      return createApiKey(command, state);
    case 'RevokeApiKey':
      return revokeApiKey(command, state);
    default: {
      const unknownType: never = type;
      throw new DomainError(ErrorCode.ValidationFailed, `unknown command ${String(unknownType)}`);
    }
  }
}
