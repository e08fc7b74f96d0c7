import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import type { RunSnapshot } from '#contracts';
import type { SseCodec } from '#dialects';
import { ApiKeyDirectory, CONFIG, ProjectionWaiter, type Principal } from '#platform';
import type { StreamServiceConfig } from './config';
import { RunFeeds } from './run-feeds';
import { RunHistory } from './run-history';
import { SseSession } from './sse-session';

export type StreamCredential = Pick<Principal, 'apiKeyId' | 'expiresAt'>;

/** Every open stream of this process, and the timers that keep them alive. */
@Injectable()
export class SseSessions implements OnModuleInit, BeforeApplicationShutdown {
  private readonly sessions = new Set<SseSession>();
  /** The credential each stream was opened with: a stream lives no longer than it. */
  private readonly credentials = new WeakMap<SseSession, StreamCredential>();
  private timers: NodeJS.Timeout[] = [];
  private unlisten: () => void = () => undefined;

  constructor(
    @Inject(CONFIG) private readonly config: StreamServiceConfig,
    private readonly feeds: RunFeeds,
    private readonly history: RunHistory,
    private readonly projection: ProjectionWaiter,
    private readonly keys: ApiKeyDirectory,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /**
   * One tick per TICK_MS serves the streams whose status frame or heartbeat is due. Each stream's
   * schedule starts at a random offset, so a thousand streams do not all get written in one tick
   * (which would stall live delivery for every one of them).
   */
  onModuleInit(): void {
    const tick = Math.max(10, Math.min(1_000, this.config.STREAM_STATUS_INTERVAL_MS, this.config.STREAM_HEARTBEAT_MS) / 4);
    this.timers = [
      setInterval(() => {
        const now = Date.now();
        for (const s of this.sessions) {
          const expiresAt = this.credentials.get(s)?.expiresAt ?? null;
          if (expiresAt !== null && expiresAt <= now) {
            s.fail('the credential expired; reconnect with a new one to resume');
            continue;
          }
          if (s.nextStatusAt <= now) {
            s.status();
            s.nextStatusAt = now + this.config.STREAM_STATUS_INTERVAL_MS;
          }
          if (s.nextHeartbeatAt <= now) {
            s.heartbeat();
            s.nextHeartbeatAt = now + this.config.STREAM_HEARTBEAT_MS;
          }
        }
      }, tick),
    ];
    this.timers.forEach((t) => t.unref());
    this.unlisten = this.keys.onRevoked((keyId) => {
      for (const s of [...this.sessions]) if (this.credentials.get(s)?.apiKeyId === keyId) s.fail('the API key was revoked');
    });
  }

  async open(res: Response, run: RunSnapshot, since: number, codec: SseCodec, credential: StreamCredential, afterClock?: number): Promise<void> {
    const session = new SseSession(res, run, since, {
      codec,
      ...(afterClock === undefined ? {} : { afterClock }),
      startAfter: (sequence) => this.history.startAfter(run.id, sequence),
      page: (after, limit) => this.history.page(run.id, after, limit),
      lastSequence: () => this.history.lastSequence(run.id),
      clockAt: (sequence) => this.history.clockAt(run.id, sequence),
      projected: (sequence) => this.projection.waitForRun(run.id, sequence),
      listen: (onEvent) => this.feeds.listen(run.id, onEvent),
      retryMs: this.config.STREAM_RETRY_MS,
      maxBufferedBytes: this.config.STREAM_MAX_BUFFERED_BYTES,
      maxPendingEvents: this.config.STREAM_MAX_PENDING_EVENTS,
      onClosed: (s) => this.sessions.delete(s),
    });
    const now = Date.now();
    session.nextStatusAt = now + Math.random() * this.config.STREAM_STATUS_INTERVAL_MS;
    session.nextHeartbeatAt = now + Math.random() * this.config.STREAM_HEARTBEAT_MS;
    this.sessions.add(session);
    this.credentials.set(session, { apiKeyId: credential.apiKeyId, expiresAt: credential.expiresAt });
    await session.start();
  }

  /** Open streams end with an `error` frame; clients reconnect (to another replica) and resume. */
  beforeApplicationShutdown(): void {
    this.unlisten();
    this.timers.forEach((t) => clearInterval(t));
    for (const session of [...this.sessions]) session.fail('server shutting down; reconnect to resume');
  }
}
