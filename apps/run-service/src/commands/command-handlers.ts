import { Inject, Injectable } from '@nestjs/common';
import { EventStore } from '#messaging';
import { CONFIG } from '#platform';
import type { RunServiceConfig } from '../config';
import {
  ApiKeyRepository,
  RunRepository,
  ThreadRepository,
  apiKeyCommandHandler,
  runCommandHandler,
  threadCommandHandler,
  type RunState,
  type ThreadState,
} from '#domain';
import type { CommandOutcome } from '#messaging';
import type { ParsedCommand } from './parse-command';

/** Routes a parsed command to its aggregate's handler. */
@Injectable()
export class CommandHandlers {
  private readonly runs: ReturnType<typeof runCommandHandler>;
  private readonly threads: ReturnType<typeof threadCommandHandler>;
  private readonly keys: ReturnType<typeof apiKeyCommandHandler>;
  private readonly runRepository: RunRepository;
  private readonly threadRepository: ThreadRepository;

  constructor(@Inject(CONFIG) config: RunServiceConfig, store: EventStore) {
    const options = {
      openBatchGraceMs: 2 * config.COMMAND_ACK_WAIT_MS,
      maxConflictRetries: 20,
      defaultAgent: config.DEFAULT_AGENT,
      maxRedispatches: config.MAX_REDISPATCHES,
    };
    const threadRepository = new ThreadRepository(store, config.AGGREGATE_CACHE_SIZE);
    this.threadRepository = threadRepository;
    this.runRepository = new RunRepository(store, config.AGGREGATE_CACHE_SIZE);
    this.runs = runCommandHandler(this.runRepository, threadRepository, store, options);
    this.threads = threadCommandHandler(threadRepository, store, options);
    this.keys = apiKeyCommandHandler(new ApiKeyRepository(store, config.AGGREGATE_CACHE_SIZE), store, options);
  }

  /** A run as the log has it now. */
  async runState(runId: string): Promise<RunState> {
    return (await this.runRepository.fresh(runId)).state;
  }

  /** A thread as the log has it now. */
  async threadState(threadId: number): Promise<ThreadState> {
    return (await this.threadRepository.fresh(String(threadId))).state;
  }

  handle(parsed: ParsedCommand): Promise<CommandOutcome> {
    switch (parsed.kind) {
      case 'run':
        return this.runs.handle(parsed.command);
      case 'thread':
        return this.threads.handle(parsed.command);
      case 'apiKey':
        return this.keys.handle(parsed.command);
      default: {
        const unknownKind: never = parsed;
        throw new Error(`no handler for ${JSON.stringify(unknownKind)}`);
      }
    }
  }
}
