import type { Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { openAgentsBucket } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '#platform';
import type { RunServiceConfig } from '../config';

export const AGENTS_BUCKET = Symbol('AGENTS_BUCKET');

/** RUNSTREAM_AGENTS, created by every run-service: workers wait for it to announce their agents. */
export const agentsBucketProvider: Provider = {
  provide: AGENTS_BUCKET,
  inject: [NATS_CONNECTION, CONFIG],
  useFactory: (nc: NatsConnection, config: RunServiceConfig) => openAgentsBucket(nc, config.STREAM_REPLICAS),
};
