import { headers, nuid } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CHUNK_BYTES, base64UrlPadded, chunkSubjectOf, metaSubjectOf, objectStreamOf } from './object-layout';

/** Chunk publishes awaiting their ack at once: bounds an upload's memory to this × CHUNK_BYTES. */
const PUBLISHES_IN_FLIGHT = 8;

export interface WrittenObject {
  nuid: string;
  size: number;
  chunks: number;
  /** `SHA-256=<base64url>`, the Object Store's digest format. */
  digest: string;
  /** The same digest in hex. */
  sha256: string;
}

/**
 * Writes an object in the Object Store's own layout (object-layout.ts: the chunks, then the
 * metadata rolled up), so the library reads it back unchanged. Unlike the
 * library's put, which waits for each chunk's ack before sending the next (a round trip per 128 KiB
 * on servers without batched publishing), chunks are pipelined: a 1 MiB put costs about one round
 * trip instead of eight. A failed or aborted write purges its chunks and its metadata.
 */
export async function writeObject(
  js: JetStreamClient,
  jsm: JetStreamManager,
  bucket: string,
  name: string,
  body: Readable,
): Promise<WrittenObject> {
  const id = nuid.next();
  const chunkSubject = chunkSubjectOf(bucket, id);
  const metaSubject = metaSubjectOf(bucket, name);
  let meta: Promise<PubAck> | null = null;
  const sha = createHash('sha256');
  const inFlight: Promise<PubAck>[] = [];
  let size = 0;
  let chunks = 0;
  const publish = async (chunk: Uint8Array) => {
    sha.update(chunk);
    size += chunk.length;
    chunks++;
    const ack = js.publish(chunkSubject, chunk);
    // Rejections are collected below; without this one failing early would be "unhandled".
    ack.catch(() => undefined);
    inFlight.push(ack);
    if (inFlight.length >= PUBLISHES_IN_FLIGHT) await inFlight.shift();
  };
  try {
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const part of body as AsyncIterable<Buffer>) {
      let rest = part;
      while (pendingBytes + rest.length >= CHUNK_BYTES) {
        const take = CHUNK_BYTES - pendingBytes;
        pending.push(rest.subarray(0, take));
        rest = rest.subarray(take);
        await publish(pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, CHUNK_BYTES));
        pending.length = 0;
        pendingBytes = 0;
      }
      if (rest.length > 0) {
        pending.push(rest);
        pendingBytes += rest.length;
      }
    }
    if (pendingBytes > 0) await publish(Buffer.concat(pending, pendingBytes));
    const hash = sha.digest();
    const digest = `SHA-256=${base64UrlPadded(hash)}`;
    const info = {
      name,
      description: '',
      options: { max_chunk_size: CHUNK_BYTES },
      bucket,
      nuid: id,
      size,
      chunks,
      mtime: new Date().toISOString(),
      digest,
      deleted: false,
    };
    const rollup = headers();
    rollup.set('Nats-Rollup', 'sub');
    // Sent behind the chunks without waiting for their acks (the stream stores them in order): the
    // object is referenced by nothing until every ack is in, and a failure removes both.
    meta = js.publish(metaSubject, JSON.stringify(info), { headers: rollup });
    await Promise.all([...inFlight, meta]);
    return { nuid: id, size, chunks, digest, sha256: hash.toString('hex') };
  } catch (error) {
    // Settled first, so nothing still in flight lands after the purges.
    await Promise.allSettled(meta ? [...inFlight, meta] : inFlight);
    await jsm.streams.purge(objectStreamOf(bucket), { filter: chunkSubject }).catch(() => undefined);
    if (meta) await jsm.streams.purge(objectStreamOf(bucket), { filter: metaSubject }).catch(() => undefined);
    throw error;
  }
}
