import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { DomainError, ErrorCode, SUBJECTS, type CreateTypedArtifactReply, type CreateTypedArtifactRequest, type CreateTypedArtifactRequestV2 } from '#contracts';
import { decodeJson, encodeJson } from '#messaging';
import { LOGGER, NATS_CONNECTION } from '#platform';
import { TypedArtifactsService } from '../artifacts/typed-artifacts.service';

export const ARTIFACT_QUEUE_GROUP = 'artifact-service';

/** Answers workers' `CreateTypedArtifactRequest`s (core NATS request/reply; replicas share a queue group). */
@Injectable()
export class TypedArtifactResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: Subscription | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly typed: TypedArtifactsService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nc.subscribe(SUBJECTS.artifactCreate, {
      queue: ARTIFACT_QUEUE_GROUP,
      callback: (error, msg) => {
        if (error) return;
        const handling = this.handle(msg).finally(() => this.inFlight.delete(handling));
        this.inFlight.add(handling);
      },
    });
  }

  /** Stop taking requests, then answer the ones already taken. */
  async beforeApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }

  private async handle(msg: Msg): Promise<void> {
    let reply: CreateTypedArtifactReply;
    try {
      const request = decodeJson<CreateTypedArtifactRequest | CreateTypedArtifactRequestV2>(msg.data);
      if (typeof request !== 'object' || request === null) throw new DomainError(ErrorCode.ValidationFailed, 'not a request object');
      reply = { ok: true, artifact: await this.typed.create(request) };
    } catch (error) {
      const refusal =
        error instanceof DomainError
          ? error
          : error instanceof SyntaxError
            ? new DomainError(ErrorCode.ValidationFailed, 'request is not JSON')
            : null;
      if (!refusal) this.logger.error({ err: error }, 'typed artifact failed');
      reply = { ok: false, error: refusal?.toBody() ?? { code: ErrorCode.Internal, message: 'internal error' } };
    }
    msg.respond(encodeJson(reply));
  }
}
