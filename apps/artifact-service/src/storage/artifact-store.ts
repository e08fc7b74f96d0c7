import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Objm, StorageType, setSha256Backend, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { Readable } from 'node:stream';
import { DomainError, ErrorCode, OBJECT_BUCKETS } from '#contracts';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER } from '#platform';
import type { ArtifactServiceConfig } from '../config';

export interface StoredObject {
  size: number;
  /** Hex SHA-256 of the bytes (the Object Store computes it while storing). */
  sha256: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Chunks read ahead of the HTTP response: bounds a download's memory (× 128 KiB). */
const READ_AHEAD_CHUNKS = 16;

const hexOfDigest = (digest: string) => Buffer.from(digest.replace(/^SHA-256=/, ''), 'base64url').toString('hex');

/**
 * Artifact bytes in the JetStream Object Store bucket RUNSTREAM_ARTIFACTS: streamed in on put (the
 * client library publishes 128 KiB chunks, then the object's metadata), streamed out chunk by chunk
 * with backpressure. Nothing touches the local disk.
 */
@Injectable()
export class ArtifactStore implements OnModuleInit {
  private os!: ObjectStore;
  readonly bucket = OBJECT_BUCKETS.artifacts;
  readonly stream = `OBJ_${OBJECT_BUCKETS.artifacts}`;
  readonly chunkPrefix = `$O.${OBJECT_BUCKETS.artifacts}.C.`;

  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
  ) {}

  async onModuleInit(): Promise<void> {
    // The pure-JS digest is the library's browser-safe default and caps throughput far below the network.
    setSha256Backend('native');
    this.os = await new Objm(this.js).create(this.bucket, {
      storage: StorageType.File,
      replicas: this.config.STREAM_REPLICAS,
      description: 'Runstream artifact bytes',
    });
  }

  /** Streams `body` in; a failed or aborted put leaves no chunks (the library purges them). */
  async put(name: string, body: Readable): Promise<StoredObject> {
    const info = await this.os.put({ name }, Readable.toWeb(body) as ReadableStream<Uint8Array>);
    return { size: info.size, sha256: hexOfDigest(info.digest) };
  }

  putBytes(name: string, bytes: Uint8Array): Promise<StoredObject> {
    return this.put(name, Readable.from([bytes]));
  }

  async readAll(name: string): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const part of this.read(name)) parts.push(part);
    return Buffer.concat(parts);
  }

  /**
   * The object's bytes (or one range of them), pulled from an ordered consumer a few chunks ahead
   * of the reader: a slow client slows the read instead of filling memory.
   */
  async *read(name: string, range?: ByteRange): AsyncGenerator<Uint8Array> {
    const info = await this.os.info(name);
    if (!info || info.deleted) throw new DomainError(ErrorCode.ArtifactNotFound, 'artifact bytes not found');
    if (info.size === 0) return;
    const chunkSize = info.options?.max_chunk_size ?? 128 * 1024;
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? info.size - 1, info.size - 1);
    // Every chunk but the last is exactly chunkSize, so a range maps to chunk indexes; the chunks
    // before it are read and skipped (their stream positions are not recorded anywhere).
    const first = Math.floor(start / chunkSize);
    const last = Math.floor(end / chunkSize);
    const subject = `${this.chunkPrefix}${info.nuid}`;
    // An object deleted (its chunks purged) since `info` would leave the consumer waiting forever.
    const gone = () => new DomainError(ErrorCode.ArtifactNotFound, 'artifact bytes are gone (replaced and removed)');
    if (!(await this.lastWrite(subject))) throw gone();
    const consumer = await this.js.consumers.get(this.stream, { filter_subjects: subject });
    const messages = await consumer.consume({ max_messages: READ_AHEAD_CHUNKS });
    try {
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
      await messages.close().catch(() => undefined);
    }
  }

  async remove(name: string): Promise<void> {
    await this.os.delete(name);
  }

  /** Objects with metadata (not deleted). */
  list(): Promise<ObjectInfo[]> {
    return this.os.list();
  }

  /** Every chunk subject in the bucket, with or without an object referencing it. */
  async chunkSubjects(): Promise<string[]> {
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: `${this.chunkPrefix}>` });
    return Object.keys(info.state.subjects ?? {});
  }

  /** When the last chunk on `subject` was stored (null when there is none). */
  async lastWrite(subject: string): Promise<Date | null> {
    const msg = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject }).catch(() => null);
    return msg ? msg.time : null;
  }

  async purgeSubject(subject: string): Promise<void> {
    await this.jsm.streams.purge(this.stream, { filter: subject });
  }
}
