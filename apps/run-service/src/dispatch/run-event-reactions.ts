import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, type RunEvent, type RunEventType } from '#contracts';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, NATS_CONNECTION } from '#platform';
import type { RunServiceConfig } from '../config';
import { EventReactor, type EventReactorOptions } from './event-reactor';

/**
 * The run-service's reactions to run events (dispatching attempts, recording answers) share one
 * durable consumer of RUN_EVENTS: each more consumer reading every event costs the nats-server a
 * delivery per event (measured: a second one took bench:events' command path from 0.41 to 0.32 of
 * raw publishes). Handlers register in their constructors; the consumer starts at bootstrap.
 */
@Injectable()
export class RunEventReactions implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly handlers = new Map<RunEventType, EventReactorOptions['react']>();
  private reactor: EventReactor | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: RunServiceConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
  ) {}

  /** `react` runs for every event of these types (resolving `false`: not done, leave it unacked). */
  on(types: readonly RunEventType[], react: (event: RunEvent, msg: JsMsg) => Promise<boolean | void>): void {
    for (const type of types) {
      if (this.handlers.has(type)) throw new Error(`two reactions to ${type}`);
      this.handlers.set(type, react);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.handlers.size === 0) return;
    this.reactor = new EventReactor({
      nc: this.nc,
      js: this.js,
      jsm: this.jsm,
      // The dispatcher's consumer (and its position) from before it had company.
      durable: CONSUMERS.dispatcher,
      ackWaitMs: this.config.DISPATCH_ACK_WAIT_MS,
      types: [...this.handlers.keys()],
      react: (event, msg) => (this.handlers.get(event.type) as EventReactorOptions['react'])(event, msg),
    });
    await this.reactor.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reactor?.stop();
  }
}
