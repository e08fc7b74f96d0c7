import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { STREAMS, SUBJECTS, type ApiKeyEvent, type ApiKeySnapshot } from '#contracts';
import { evolveApiKey } from '#domain';
import { decodeJson } from '#messaging';
import { JETSTREAM, LOGGER } from '../tokens';

/** API keys are `rsk_` and 43 base64url characters (32 random bytes). */
export const API_KEY_PREFIX = 'rsk_';
export const isApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);
/** Keys carry 256 random bits, so a plain SHA-256 is what they are stored and looked up by. */
export const hashApiKey = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Every API key, folded from the log in memory: a JetStream ordered consumer of `keys.events.>`
 * from the first event, then live. A revocation reaches every replica as soon as it is appended
 * (milliseconds), not after a cache expires. The service is ready only once it has caught up.
 */
@Injectable()
export class ApiKeyDirectory implements OnModuleInit, OnApplicationShutdown {
  private readonly byId = new Map<string, ApiKeySnapshot>();
  private readonly byHash = new Map<string, ApiKeySnapshot>();
  private messages: ConsumerMessages | null = null;

  constructor(
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const consumer = await this.js.consumers.get(STREAMS.events, {
      filter_subjects: SUBJECTS.allApiKeyEvents,
      deliver_policy: DeliverPolicy.All,
    });
    let pending = (await consumer.info()).num_pending;
    let caughtUp!: () => void;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    if (pending === 0) caughtUp();
    const messages = await consumer.consume({ max_messages: 256 });
    this.messages = messages;
    void (async () => {
      for await (const msg of messages) {
        this.apply(decodeJson<ApiKeyEvent>(msg.data));
        if (pending > 0 && msg.info.pending === 0) {
          pending = 0;
          caughtUp();
        }
      }
    })().catch((error: unknown) => this.logger.error({ err: error }, 'API key feed ended'));
    await ready;
    this.logger.info({ keys: this.byId.size }, 'API keys loaded');
  }

  onApplicationShutdown(): void {
    void this.messages?.close().catch(() => undefined);
  }

  /** The live key with this secret, or null (unknown or revoked). */
  find(secret: string): ApiKeySnapshot | null {
    const key = this.byHash.get(hashApiKey(secret));
    return key && key.revokedAt === null ? key : null;
  }

  private apply(event: ApiKeyEvent): void {
    const id = event.metadata.streamId;
    const next = evolveApiKey(this.byId.get(id) ?? null, event);
    if (!next) return;
    this.byId.set(id, next);
    this.byHash.set(next.secretHash, next);
  }
}
