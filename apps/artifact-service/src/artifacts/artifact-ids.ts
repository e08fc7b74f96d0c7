import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { nextCounterValue, openCountersBucket } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '#platform';
import type { ArtifactServiceConfig } from '../config';

/** Artifact ids: integers (like the seed's `5012`) from the shared compare-and-set counter bucket. */
@Injectable()
export class ArtifactIds implements OnModuleInit {
  private kv!: KV;

  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kv = await openCountersBucket(this.nc, this.config.STREAM_REPLICAS);
  }

  next(): Promise<number> {
    return nextCounterValue(this.kv, 'artifact');
  }
}
