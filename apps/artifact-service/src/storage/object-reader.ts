import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { nanos } from '@nats-io/transport-node';
import { DomainError, ErrorCode } from '#contracts';
import { CHUNK_BYTES, chunkSubjectOf, objectStreamOf } from './object-layout';

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Chunks read ahead of the caller: bounds a download's memory (× 128 KiB). */
const READ_AHEAD_CHUNKS = 16;
/** A reader's consumer left behind (its process died mid-download) is removed by the server after this. */
const READER_IDLE_MS = 30_000;

const gone = () => new DomainError(ErrorCode.ArtifactNotFound, 'artifact bytes are gone (replaced and removed)');

/**
 * An object's bytes (or one range of them), pulled from a consumer of its chunk subject a few
 * chunks ahead of the caller: a slow reader slows the read instead of filling memory.
 */
export async function* readObject(
  js: JetStreamClient,
  jsm: JetStreamManager,
  os: ObjectStore,
  name: string,
  range?: ByteRange,
): AsyncGenerator<Uint8Array> {
  const info = await os.info(name);
  if (!info || info.deleted) throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact bytes not found');
  if (info.size === 0) return;
  const chunkSize = info.options?.max_chunk_size ?? CHUNK_BYTES;
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? info.size - 1, info.size - 1);
  // Every chunk but the last is exactly chunkSize, so a range maps to chunk indexes; the chunks
  // before it are read and skipped (their stream positions are not recorded anywhere).
  const first = Math.floor(start / chunkSize);
  const last = Math.floor(end / chunkSize);
  // One request creates the consumer and says how many chunks it will see: none means the object
  // was deleted (its chunks purged) since `info`, where a consumer would wait forever. (The
  // library's ordered consumer costs another request for the stream's info first.)
  const consumer = await jsm.consumers.add(objectStreamOf(info.bucket), {
    filter_subject: chunkSubjectOf(info.bucket, info.nuid),
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(READER_IDLE_MS),
  });
  const messages =
    consumer.num_pending === 0 ? null : await js.consumers.getConsumerFromInfo(consumer).consume({ max_messages: READ_AHEAD_CHUNKS });
  try {
    if (!messages) throw gone();
    let index = 0;
    for await (const msg of messages) {
      if (index >= first) {
        const offset = index * chunkSize;
        yield msg.data.subarray(Math.max(start - offset, 0), Math.min(end - offset + 1, msg.data.length));
      }
      if (index >= last) return;
      if (msg.info.pending === 0) throw gone();
      index++;
    }
    throw new Error(`object ${name} ended after ${index} of ${info.chunks} chunks`);
  } finally {
    await messages?.close().catch(() => undefined);
    // Not awaited: the caller is done either way, and an idle consumer expires by itself.
    jsm.consumers.delete(consumer.stream_name, consumer.name).catch(() => undefined);
  }
}
