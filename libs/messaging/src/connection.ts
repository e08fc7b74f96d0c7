import { eventsOf } from '#contracts';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { watchConnection } from './connection-state';

/** A long-lived connection: reconnects forever (the client's default gives up after 10 tries). */
export async function connectNats(servers: string, name: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: servers.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // nats.js otherwise builds an Error with a stack trace for every request up front, which costs
    // more CPU than the append itself on the hot path.
    noAsyncTraces: true,
  });
  logger.info({ server: nc.getServer() }, 'connected to NATS');
  watchConnection(nc);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'ping') continue;
      logger.info({ nats: status.type, data: 'data' in status ? status.data : undefined }, 'NATS status');
    }
  })();
  return nc;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
export const decodeJson = <T>(data: Uint8Array): T => JSON.parse(decoder.decode(data)) as T;
/** The events of one stored message of the event stream (a unit's, or the one event it is). */
export const decodeEvents = <E>(data: Uint8Array): E[] => eventsOf<E>(decodeJson(data));
