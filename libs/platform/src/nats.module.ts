import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { EventStore, SERIALIZABLE_SINCE_VERSION, connectNats, ensureStreams, serializableWhenReplicated } from '#messaging';
import { ConfigError } from './config';
import { JETSTREAM, JETSTREAM_MANAGER, LOGGER, NATS_CONNECTION } from './tokens';

export interface NatsModuleOptions {
  servers: string;
  name: string;
  replicas: number;
}

class NatsLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Runs after consumers stopped (they stop in beforeApplicationShutdown): flush, then close. */
  async onApplicationShutdown(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch((error: unknown) => this.logger.warn({ err: error }, 'NATS drain failed'));
  }
}

/** One NATS connection per process, with JetStream handles; creates the streams at start-up. */
@Module({})
export class NatsModule {
  static forRoot(options: NatsModuleOptions): DynamicModule {
    return {
      module: NatsModule,
      global: true,
      providers: [
        {
          provide: NATS_CONNECTION,
          inject: [LOGGER],
          useFactory: (logger: Logger) => connectNats(options.servers, options.name, logger),
        },
        {
          provide: JETSTREAM,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) => jetstream(nc, { timeout: 10_000 }),
        },
        {
          provide: JETSTREAM_MANAGER,
          inject: [NATS_CONNECTION],
          useFactory: async (nc: NatsConnection) => {
            const version = nc.info?.version;
            if (options.replicas > 1 && !serializableWhenReplicated(version))
              throw new ConfigError(
                `invalid configuration: STREAM_REPLICAS: ${options.replicas} needs nats-server ${SERIALIZABLE_SINCE_VERSION} or newer (this one is ${version ?? 'unknown'}: its replicated streams do not enforce expected sequences under concurrent writes, nats-io/nats-server#4320); use 1 or upgrade the servers`,
              );
            const jsm = await jetstreamManager(nc, { timeout: 10_000 });
            await ensureStreams(jsm, { replicas: options.replicas });
            return jsm;
          },
        },
        {
          provide: EventStore,
          inject: [NATS_CONNECTION, JETSTREAM, JETSTREAM_MANAGER],
          useFactory: (nc: NatsConnection, js: ReturnType<typeof jetstream>, jsm: JetStreamManager) =>
            new EventStore(nc, js, jsm),
        },
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, JETSTREAM, JETSTREAM_MANAGER, EventStore],
    };
  }
}
