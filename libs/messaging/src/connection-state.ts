import type { NatsConnection } from '@nats-io/transport-node';
import { DomainError, ErrorCode } from '#contracts';

interface Watch {
  connected: boolean;
  reconnectListeners: Set<() => void>;
}

/** One status iterator per connection, however many parts ask about it. */
const watches = new WeakMap<NatsConnection, Watch>();

function watch(nc: NatsConnection): Watch {
  let w = watches.get(nc);
  if (w) return w;
  const created: Watch = { connected: !nc.isClosed(), reconnectListeners: new Set() };
  watches.set(nc, created);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') created.connected = false;
      else if (status.type === 'reconnect') {
        created.connected = true;
        for (const listener of [...created.reconnectListeners]) listener();
      }
    }
  })().catch(() => undefined);
  void nc.closed().then(() => (created.connected = false));
  return created;
}

/** Calls `listener` after each reconnect of `nc`; returns the unsubscribe. */
export function onReconnect(nc: NatsConnection, listener: () => void): () => void {
  const w = watch(nc);
  w.reconnectListeners.add(listener);
  return () => w.reconnectListeners.delete(listener);
}

/** Starts watching `nc` (call at start, so the first disconnect is seen). */
export function watchConnection(nc: NatsConnection): void {
  watch(nc);
}

/**
 * Refuses at once, as 503, what needs NATS while it is away: a request made during a reconnect
 * would otherwise wait out its whole timeout for an answer that cannot come.
 */
export function assertConnected(nc: NatsConnection): void {
  if (!watch(nc).connected) throw new DomainError(ErrorCode.Unavailable, 'the message bus is unavailable; try again shortly');
}
