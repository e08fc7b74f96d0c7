import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import type { RunSnapshot } from '#contracts';
import { CONFIG } from '#platform';
import type { StreamServiceConfig } from './config';
import { RunFeeds } from './run-feeds';
import { RunHistory } from './run-history';
import { SseSession } from './sse-session';

/** Every open stream of this process, and the timers that keep them alive. */
@Injectable()
export class SseSessions implements OnModuleInit, BeforeApplicationShutdown {
  private readonly sessions = new Set<SseSession>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(CONFIG) private readonly config: StreamServiceConfig,
    private readonly feeds: RunFeeds,
    private readonly history: RunHistory,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  onModuleInit(): void {
    this.timers = [
      setInterval(() => this.sessions.forEach((s) => s.heartbeat()), this.config.STREAM_HEARTBEAT_MS),
      setInterval(() => this.sessions.forEach((s) => s.status()), this.config.STREAM_STATUS_INTERVAL_MS),
    ];
    this.timers.forEach((t) => t.unref());
  }

  async open(res: Response, run: RunSnapshot, since: number): Promise<void> {
    const session = new SseSession(res, run, since, {
      startAfter: (sequence) => this.history.startAfter(run.id, sequence),
      page: (after, limit) => this.history.page(run.id, after, limit),
      lastSequence: () => this.history.lastSequence(run.id),
      listen: (onEvent) => this.feeds.listen(run.id, onEvent),
      retryMs: this.config.STREAM_RETRY_MS,
      maxBufferedBytes: this.config.STREAM_MAX_BUFFERED_BYTES,
      maxPendingEvents: this.config.STREAM_MAX_PENDING_EVENTS,
      onClosed: (s) => this.sessions.delete(s),
    });
    this.sessions.add(session);
    await session.start();
  }

  /** Open streams end with an `error` frame; clients reconnect (to another replica) and resume. */
  beforeApplicationShutdown(): void {
    this.timers.forEach((t) => clearInterval(t));
    for (const session of [...this.sessions]) session.fail('server shutting down; reconnect to resume');
  }
}
