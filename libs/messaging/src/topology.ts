import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, STREAMS, SUBJECTS } from '#contracts';

export interface TopologyOptions {
  replicas: number;
}

const DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * Every stream discards new messages at its limits: Runstream sets none, and an operator who does
 * gets a full log refused (503, nothing applied), never history or queued work silently dropped.
 */
export function streamConfigs({ replicas }: TopologyOptions): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: STREAMS.commands,
      subjects: [SUBJECTS.allRunCommands, SUBJECTS.allThreadCommands, SUBJECTS.allApiKeyCommands],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_msg_size: 1024 * 1024,
      num_replicas: replicas,
    },
    {
      name: STREAMS.events,
      subjects: [SUBJECTS.allRunEvents, SUBJECTS.allThreadEvents, SUBJECTS.allApiKeyEvents],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_msg_size: 1024 * 1024,
      allow_direct: true,
      num_replicas: replicas,
    },
    {
      name: STREAMS.work,
      subjects: [SUBJECTS.allWork],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      // The dispatcher publishes each attempt's item with msgID <run>:<attempt>: a redelivered event is not dispatched twice.
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      max_msg_size: 1024 * 1024,
      num_replicas: replicas,
    },
  ];
}

/** Creates the streams, or updates their mutable settings; safe to run from every replica at once. */
export async function ensureStreams(jsm: JetStreamManager, options: TopologyOptions): Promise<void> {
  for (const config of streamConfigs(options)) {
    const { name } = config;
    const existing = await jsm.streams.info(name).catch(() => null);
    if (existing === null) {
      try {
        await jsm.streams.add(config);
        continue;
      } catch (error) {
        // Another replica created it between our info and add.
        if (!(await jsm.streams.info(name).catch(() => null))) throw error;
      }
    }
    const { retention: _retention, storage: _storage, ...mutable } = config;
    await jsm.streams.update(name, mutable);
  }
}

/** Creates or updates a durable pull consumer. */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ...config,
  };
  const existing = await jsm.consumers.info(stream, config.durable_name).catch(() => null);
  if (existing === null) {
    try {
      await jsm.consumers.add(stream, wanted);
      return;
    } catch (error) {
      if (!(await jsm.consumers.info(stream, config.durable_name).catch(() => null))) throw error;
    }
  }
  const { deliver_policy: _deliver, opt_start_seq: _seq, durable_name: _name, ...mutable } = wanted;
  await jsm.consumers.update(stream, config.durable_name, mutable);
}

export async function openIdempotencyBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  return new Kvm(nc).create(KV_BUCKETS.idempotency, { ttl: 24 * 60 * 60_000, history: 1, replicas });
}

export async function openCountersBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  return new Kvm(nc).create(KV_BUCKETS.counters, { history: 1, replicas });
}

/**
 * Worker leases. Holders put their lease on every heartbeat and delete it when done; the bucket's
 * TTL only collects leases of workers that died and whose runs the monitor has long redispatched.
 */
/** The agents workers announced (key `<name>.<version>`): kept until overwritten. */
export async function openAgentsBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  return new Kvm(nc).create(KV_BUCKETS.agents, { history: 1, replicas });
}

export async function openLeasesBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  return new Kvm(nc).create(KV_BUCKETS.leases, { ttl: 60 * 60_000, history: 1, replicas });
}
