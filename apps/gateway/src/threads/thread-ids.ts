import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { assertConnected, nextCounterValue, openCountersBucket } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '#platform';
import type { GatewayConfig } from '../config';

const KEY = 'thread';

/** Allocates thread ids (integers, like Travelmode's trip ids) from a compare-and-set KV counter. */
@Injectable()
export class ThreadIds implements OnModuleInit {
  private kv!: KV;

  constructor(
    @Inject(CONFIG) private readonly config: GatewayConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kv = await openCountersBucket(this.nc, this.config.STREAM_REPLICAS);
  }

  async next(): Promise<number> {
    assertConnected(this.nc);
    return nextCounterValue(this.kv, KEY);
  }
}
