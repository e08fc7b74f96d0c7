import type { NatsConnection } from '@nats-io/transport-node';
import { DomainError, ErrorCode } from '#contracts';

interface Watch {
  connected: boolean;
  reconnectListeners: Set<() => void>;
  interruptionListeners: Set<() => void>;
  advisories: boolean;
}

/**
 * JetStream's announcements of a new stream or consumer leader (a clustered server died or
 * stepped down): pulls waiting on the old leader are lost without the connection dropping.
 */
const LEADER_ELECTED = ['$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.>', '$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.>'];
/** Elections come in bursts (every stream and consumer of a dead node): one reopen per burst. */
const ELECTION_SETTLE_MS = 250;

/** One status iterator per connection, however many parts ask about it. */
const watches = new WeakMap<NatsConnection, Watch>();

function watch(nc: NatsConnection): Watch {
  let w = watches.get(nc);
  if (w) return w;
  const created: Watch = { connected: !nc.isClosed(), reconnectListeners: new Set(), interruptionListeners: new Set(), advisories: false };
  watches.set(nc, created);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') created.connected = false;
      else if (status.type === 'reconnect') {
        created.connected = true;
        for (const listener of [...created.reconnectListeners, ...created.interruptionListeners]) listener();
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

/**
 * Calls `listener` whenever a live JetStream feed on `nc` may have lost its pull: after a
 * reconnect, and after a leader election in the cluster (settled). Returns the unsubscribe.
 */
export function onFeedInterruption(nc: NatsConnection, listener: () => void): () => void {
  const w = watch(nc);
  w.interruptionListeners.add(listener);
  if (!w.advisories) {
    w.advisories = true;
    let timer: NodeJS.Timeout | null = null;
    const settled = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        for (const l of [...w.interruptionListeners]) l();
      }, ELECTION_SETTLE_MS);
      timer.unref();
    };
    for (const subject of LEADER_ELECTED) nc.subscribe(subject, { callback: () => settled() });
  }
  return () => w.interruptionListeners.delete(listener);
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
