import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { sharedAtLeastAs, type RunEvent } from '#contracts';
import { LOGGER } from '#platform';
import { CommandHandlers } from '../commands/command-handlers';
import { RunEventReactions } from '../dispatch/run-event-reactions';

/**
 * Records a completed run's answer in its thread's conversation as the assistant's message, so
 * the thread's next run continues it (seed 003). From the log: a crash between the completion and
 * the message only delays it, and the command id `answer:<run>:<attempt>` applies it once.
 */
@Injectable()
export class ConversationRecorder implements BeforeApplicationShutdown {
  private running = true;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly handlers: CommandHandlers,
    reactions: RunEventReactions,
  ) {
    reactions.on(['RunCompleted'], (event) => this.record(event));
  }

  beforeApplicationShutdown(): void {
    this.running = false;
  }

  private async record(completed: RunEvent): Promise<boolean> {
    if (completed.type !== 'RunCompleted') return true;
    const runId = completed.metadata.streamId;
    const { attempt } = completed.data;
    // Retried, not nak'ed (EventReactor); stopping leaves it unacked for another replica.
    while (this.running) {
      try {
        const run = await this.handlers.runState(runId);
        if (!run || run.threadId === null || run.answer?.attempt !== attempt) return true;
        // A thread shows its messages to whoever may see it: not the answer of a run some of them may not see.
        const thread = await this.handlers.threadState(run.threadId);
        if (!thread || !sharedAtLeastAs({ ...run, ownerId: run.userId }, thread)) return true;
        const outcome = await this.handlers.handle({
          kind: 'thread',
          command: {
            type: 'AppendThreadMessage',
            data: { threadId: run.threadId, messageId: `${runId}:${attempt}`, role: 'assistant', content: run.answer.content, runId },
            metadata: {
              commandId: `answer:${runId}:${attempt}`,
              correlationId: completed.metadata.correlationId,
              actor: { kind: 'system', id: 'conversations' },
              issuedAt: new Date().toISOString(),
            },
          },
        });
        if (outcome.kind === 'retry') {
          await sleep(outcome.delayMs);
          continue;
        }
        if (outcome.kind === 'answered' && !outcome.reply.ok)
          this.logger.warn({ runId, attempt, code: outcome.reply.error.code }, 'answer not recorded in the thread');
        return true;
      } catch (error) {
        this.logger.warn({ err: error, runId, attempt }, 'recording the answer failed; retrying');
        await sleep(500);
      }
    }
    return false;
  }
}
