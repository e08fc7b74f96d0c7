import type { RunCommand, RunEvent } from '#contracts';
import { AggregateCommandHandler, type AggregateCommandOptions, type EventStore } from '#messaging';
import type { RunState } from './run';
import { decideRun } from './run.decide';
import type { RunRepository } from './run.repository';
import type { ThreadRepository } from '../threads/thread.repository';

/** Run commands: the thread (and a fork's source run) a decision needs are read as of now. */
export function runCommandHandler(
  runs: RunRepository,
  threads: ThreadRepository,
  store: EventStore,
  options: AggregateCommandOptions & { defaultAgent: string; maxRedispatches: number },
): AggregateCommandHandler<RunState, RunEvent, RunCommand> {
  const threadOf = async (command: RunCommand, state: RunState) => {
    const threadId = command.type === 'CreateRun' ? command.data.threadId : command.type === 'StartRun' ? state?.threadId : undefined;
    if (threadId === undefined || threadId === null) return null;
    return (await threads.fresh(String(threadId))).state;
  };
  const sourceOf = async (command: RunCommand) =>
    command.type === 'CreateRun' && command.data.forkOf ? (await runs.fresh(command.data.forkOf.runId)).state : null;
  return new AggregateCommandHandler<RunState, RunEvent, RunCommand>(
    {
      repository: runs,
      idOf: (command) => command.data.runId,
      decide: async (command, state, now) =>
        decideRun(command, state, {
          now,
          thread: await threadOf(command, state),
          source: await sourceOf(command),
          defaultAgent: options.defaultAgent,
          maxRedispatches: options.maxRedispatches,
        }),
      reply: (command, state, replayed) => ({
        ok: true,
        commandId: command.metadata.commandId,
        replayed,
        run: state ?? undefined,
      }),
    },
    store,
    options,
  );
}
