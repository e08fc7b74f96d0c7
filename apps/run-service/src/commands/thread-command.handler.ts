import type { ThreadCommand, ThreadEvent } from '#contracts';
import type { EventStore } from '#messaging';
import { decideThread, type ThreadState } from '../threads/thread';
import type { ThreadRepository } from '../threads/thread.repository';
import { AggregateCommandHandler, type AggregateCommandOptions } from './aggregate-command-handler';

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
