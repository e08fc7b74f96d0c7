import type { ApiKeyCommand, ApiKeyEvent } from '#contracts';
import { AggregateCommandHandler, type AggregateCommandOptions, type EventStore } from '#messaging';
import { decideApiKey, type ApiKeyState } from './api-key';
import type { ApiKeyRepository } from './api-key.repository';

export function apiKeyCommandHandler(
  keys: ApiKeyRepository,
  store: EventStore,
  options: AggregateCommandOptions,
): AggregateCommandHandler<ApiKeyState, ApiKeyEvent, ApiKeyCommand> {
  return new AggregateCommandHandler<ApiKeyState, ApiKeyEvent, ApiKeyCommand>(
    {
      repository: keys,
      idOf: (command) => command.data.keyId,
      decide: async (command, state) => decideApiKey(command, state),
      reply: (command, state, replayed) => ({ ok: true, commandId: command.metadata.commandId, replayed, apiKey: state ?? undefined }),
    },
    store,
    options,
  );
}
