import type { Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { assertConnected, nextCounterValue, openCountersBucket } from '#messaging';
import { CONFIG, NATS_CONNECTION } from '#platform';
import type { ArtifactServiceConfig } from '../config';

/** Artifact ids: integers (like the seed's `5012`) from the shared compare-and-set counter bucket. */
export abstract class ArtifactIds {
  abstract next(): Promise<number>;
}

export const artifactIdsProvider: Provider = {
  provide: ArtifactIds,
  inject: [CONFIG, NATS_CONNECTION],
  useFactory: async (config: ArtifactServiceConfig, nc: NatsConnection): Promise<ArtifactIds> => {
    const kv = await openCountersBucket(nc, config.STREAM_REPLICAS);
    return {
      next: async () => {
        assertConnected(nc);
        return nextCounterValue(kv, 'artifact');
      },
    };
  },
};
