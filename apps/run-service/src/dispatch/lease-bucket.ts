import type { Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { openLeasesBucket } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '#platform';
import type { RunServiceConfig } from '../config';

export const LEASE_BUCKET = Symbol('LEASE_BUCKET');

/**
 * RUNSTREAM_LEASES, created by every run-service (also one without the dispatcher): workers wait
 * for it before they take work.
 */
export const leaseBucketProvider: Provider = {
  provide: LEASE_BUCKET,
  inject: [NATS_CONNECTION, CONFIG],
  useFactory: (nc: NatsConnection, config: RunServiceConfig) => openLeasesBucket(nc, config.STREAM_REPLICAS),
};
