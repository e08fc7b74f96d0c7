import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ATTEMPT_START_EVENT_TYPES, SUBJECTS, attemptAgentOf, isAttemptStart, type RunEvent, type WorkItem } from '#contracts';
import { AckedPublisher, encodeJson } from '#messaging';
import { LOGGER, NATS_CONNECTION } from '#platform';
import { RunEventReactions } from './run-event-reactions';

/**
 * Turns attempt-starting events into work items, from the log: a crash between append and dispatch
 * only delays the item (the event is redelivered), and the item's msgID `<run>:<attempt>` makes the
 * redelivered one a duplicate JetStream drops. Items are published concurrently, so one slow
 * publish does not hold up the next run's dispatch; acks are cumulative (RunEventReactions).
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly publisher: AckedPublisher;
  private running = true;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    reactions: RunEventReactions,
  ) {
    this.publisher = new AckedPublisher(nc, 10_000);
    reactions.on(ATTEMPT_START_EVENT_TYPES, (event, msg) => this.dispatch(event, msg));
  }

  onApplicationBootstrap(): void {
    this.logger.info('dispatching attempts to agent work queues');
  }

  beforeApplicationShutdown(): void {
    // Attempts still being published give up (unacked: another replica dispatches them).
    this.running = false;
  }

  onApplicationShutdown(): void {
    this.publisher.close();
  }

  private async dispatch(event: RunEvent, msg: JsMsg): Promise<boolean> {
    if (!isAttemptStart(event)) return true;
    const runId = event.metadata.streamId;
    const { attempt } = event.data;
    const agent = attemptAgentOf(event);
    const item: WorkItem = {
      runId,
      attempt,
      agent: agent.name,
      version: agent.version,
      eventStreamSeq: msg.info.streamSequence,
      dispatchedAt: new Date().toISOString(),
    };
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `${runId}:${attempt}`);
    // Retried here, not nak'ed: a later cumulative ack would cover a nak'ed event. Stopping
    // leaves it unacked, and it is redelivered to another replica.
    while (this.running) {
      try {
        // An agent version's own queue; runs bound to no version go to every worker of the agent.
        await this.publisher.publish(SUBJECTS.work(agent.name, agent.version), encodeJson(item), h);
        return true;
      } catch (error) {
        this.logger.warn({ err: error, runId, attempt, agent: agent.name, version: agent.version }, 'dispatch failed; retrying');
        await sleep(500);
      }
    }
    return false;
  }
}
