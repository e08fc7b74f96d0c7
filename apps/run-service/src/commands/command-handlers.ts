import { Inject, Injectable } from '@nestjs/common';
import { EventStore } from '#messaging';
import { CONFIG } from '#platform';
import type { RunServiceConfig } from '../config';
import { RunRepository, ThreadRepository, runCommandHandler, threadCommandHandler } from '#domain';
import type { CommandOutcome } from '#messaging';
import type { ParsedCommand } from './parse-command';

/** Routes a parsed command to its aggregate's handler. */
@Injectable()
export class CommandHandlers {
  private readonly runs: ReturnType<typeof runCommandHandler>;
  private readonly threads: ReturnType<typeof threadCommandHandler>;

  constructor(@Inject(CONFIG) config: RunServiceConfig, store: EventStore) {
    const options = {
      openBatchGraceMs: 2 * config.COMMAND_ACK_WAIT_MS,
      maxConflictRetries: 20,
      defaultAgent: config.DEFAULT_AGENT,
      maxRedispatches: config.MAX_REDISPATCHES,
    };
    const threadRepository = new ThreadRepository(store, config.AGGREGATE_CACHE_SIZE);
    this.runs = runCommandHandler(new RunRepository(store, config.AGGREGATE_CACHE_SIZE), threadRepository, store, options);
    this.threads = threadCommandHandler(threadRepository, store, options);
  }

  handle(parsed: ParsedCommand): Promise<CommandOutcome> {
    return parsed.kind === 'run' ? this.runs.handle(parsed.command) : this.threads.handle(parsed.command);
  }
}
