import type { ThreadCommand, ThreadEvent } from '#contracts';
import { AggregateCommandHandler, type AggregateCommandOptions, type EventStore } from '#messaging';
import { decideThread, type ThreadState } from './thread';
import type { ThreadRepository } from './thread.repository';

export function threadCommandHandler(
  threads: ThreadRepository,
  store: EventStore,
  options: AggregateCommandOptions,
): AggregateCommandHandler<ThreadState, ThreadEvent, ThreadCommand> {
  return new AggregateCommandHandler<ThreadState, ThreadEvent, ThreadCommand>(
    {
      repository: threads,
      idOf: (command) => String(command.data.threadId),
      decide: async (command, state) => decideThread(command, state),
      reply: (command, state, replayed) => ({
        ok: true,
        commandId: command.metadata.commandId,
        replayed,
        thread: state ?? undefined,
      }),
    },
    store,
    options,
  );
}
