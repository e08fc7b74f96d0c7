import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Objm, StorageType, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import { Readable } from 'node:stream';
import { OBJECT_BUCKETS } from '#contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { assertConnected } from '#messaging';
import { CONFIG, JETSTREAM, JETSTREAM_MANAGER, NATS_CONNECTION } from '#platform';
import type { ArtifactServiceConfig } from '../config';
import { chunkPrefixOf, objectStreamOf } from './object-layout';
import { readObject, type ByteRange } from './object-reader';
import { writeObject } from './object-writer';

export type { ByteRange } from './object-reader';

export interface StoredObject {
  size: number;
  /** Hex SHA-256 of the bytes (computed while storing them). */
  sha256: string;
}

/**
 * Artifact bytes in the JetStream Object Store bucket RUNSTREAM_ARTIFACTS: streamed in on put
 * (128 KiB chunks, pipelined, then the object's metadata), streamed out chunk by chunk with
 * backpressure. Nothing touches the local disk.
 */
@Injectable()
export class ArtifactStore implements OnModuleInit {
  private os!: ObjectStore;
  readonly bucket = OBJECT_BUCKETS.artifacts;
  readonly stream = objectStreamOf(OBJECT_BUCKETS.artifacts);
  readonly chunkPrefix = chunkPrefixOf(OBJECT_BUCKETS.artifacts);

  constructor(
    @Inject(CONFIG) private readonly config: ArtifactServiceConfig,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async onModuleInit(): Promise<void> {
    this.os = await new Objm(this.js).create(this.bucket, {
      storage: StorageType.File,
      replicas: this.config.STREAM_REPLICAS,
      description: 'Runstream artifact bytes',
    });
  }

  /** Streams `body` in, chunks pipelined; a failed or aborted put leaves no chunks. */
  async put(name: string, body: Readable): Promise<StoredObject> {
    assertConnected(this.nc);
    const { size, sha256 } = await writeObject(this.js, this.jsm, this.bucket, name, body);
    return { size, sha256 };
  }

  putBytes(name: string, bytes: Uint8Array): Promise<StoredObject> {
    return this.put(name, Readable.from([bytes]));
  }

  async readAll(name: string): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const part of this.read(name)) parts.push(part);
    return Buffer.concat(parts);
  }

  /** The object's bytes (or one range of them), read a few chunks ahead of the caller. */
  read(name: string, range?: ByteRange): AsyncGenerator<Uint8Array> {
    assertConnected(this.nc);
    return readObject(this.js, this.jsm, this.os, name, range);
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
