import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ErrorCode } from '#contracts';
import { readObject } from '../apps/artifact-service/src/storage/object-reader';
import { CHUNK_BYTES } from '../apps/artifact-service/src/storage/object-layout';
import { writeObject } from '../apps/artifact-service/src/storage/object-writer';
import { NatsServer } from '../tools/harness';

const BUCKET = 'WRITER_TEST';
const STREAM = `OBJ_${BUCKET}`;

/**
 * The artifact-service's pipelined writer must produce exactly what the Object Store library
 * writes: the library reads it back, with the same digest, and a failed write leaves nothing.
 */
describe('artifact bytes in the Object Store (pipelined writer, reader)', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let os: ObjectStore;

  beforeAll(async () => {
    nats = await NatsServer.start();
    nc = await connect({ servers: nats.url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    os = await new Objm(js).create(BUCKET);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  const chunkMessages = async (nuid: string) =>
    (await jsm.streams.info(STREAM, { subjects_filter: `$O.${BUCKET}.C.${nuid}` })).state.subjects?.[`$O.${BUCKET}.C.${nuid}`] ?? 0;
  const allChunkSubjects = async () =>
    Object.keys((await jsm.streams.info(STREAM, { subjects_filter: `$O.${BUCKET}.C.>` })).state.subjects ?? {});
  const readBack = async (name: string) => {
    const result = await os.get(name);
    if (!result) throw new Error(`${name} not found`);
    const parts: Uint8Array[] = [];
    for await (const part of result.data as unknown as AsyncIterable<Uint8Array>) parts.push(part);
    // The library verifies the digest while reading and reports a mismatch here.
    if (!(await result.error)) return Buffer.concat(parts);
    throw await result.error;
  };

  // Sizes around the chunk boundary, arriving in odd-sized pieces as an HTTP body does.
  it.each([
    ['empty', 0, 1000],
    ['one byte', 1, 1000],
    ['exactly one chunk', CHUNK_BYTES, 7_001],
    ['one chunk and a byte', CHUNK_BYTES + 1, 65_536],
    ['3 MiB in 64 KiB pieces', 3 * 1024 * 1024, 65_536],
    ['3 MiB in one piece', 3 * 1024 * 1024, 3 * 1024 * 1024],
  ])('writes %s so that the library reads it back, with its own digest', async (_label, size, piece) => {
    const bytes = randomBytes(size);
    const pieces = Array.from({ length: Math.ceil(size / piece) }, (_, i) => bytes.subarray(i * piece, (i + 1) * piece));
    const name = `w/${size}-${piece}`;
    const written = await writeObject(js, jsm, BUCKET, name, Readable.from(pieces));

    expect(written.size).toBe(size);
    expect(written.chunks).toBe(Math.ceil(size / CHUNK_BYTES));
    expect(written.digest).toBe(`SHA-256=${createHash('sha256').update(bytes).digest('base64url')}=`);
    const info = await os.info(name);
    expect(info).toMatchObject({ name, size, chunks: written.chunks, nuid: written.nuid, digest: written.digest, deleted: false });
    expect((await readBack(name)).equals(bytes)).toBe(true);
    expect(await chunkMessages(written.nuid)).toBe(written.chunks);

    // The library's own put of the same bytes records the same digest.
    const libraryInfo = await os.put({ name: `${name}-library` }, Readable.toWeb(Readable.from([bytes])) as ReadableStream<Uint8Array>);
    expect(libraryInfo.digest).toBe(written.digest);
  });

  it('leaves no chunks and no object when the body fails midway', async () => {
    const before = await allChunkSubjects();
    const body = new PassThrough();
    const writing = writeObject(js, jsm, BUCKET, 'w/aborted', body);
    body.write(randomBytes(5 * CHUNK_BYTES + 17));
    // Chunks were published before the failure.
    await new Promise((resolve) => setTimeout(resolve, 100));
    body.destroy(new Error('client went away'));

    await expect(writing).rejects.toThrow('client went away');
    expect(await allChunkSubjects()).toEqual(before);
    expect(await os.info('w/aborted')).toBeNull();
  });

  it('leaves no chunks and no metadata when the server refuses a chunk', async () => {
    // A bucket too small for the object: a late chunk is refused, after the metadata may have been sent.
    const small = await new Objm(js).create('WRITER_SMALL', { max_bytes: 3 * CHUNK_BYTES });
    await expect(writeObject(js, jsm, 'WRITER_SMALL', 'too/big', Readable.from([randomBytes(5 * CHUNK_BYTES)]))).rejects.toThrow();
    expect(await small.info('too/big')).toBeNull();
    expect((await jsm.streams.info('OBJ_WRITER_SMALL')).state.messages).toBe(0);
  });

  describe('reading back as the artifact-service does', () => {
    const collect = async (source: AsyncIterable<Uint8Array>) => {
      const parts: Uint8Array[] = [];
      for await (const part of source) parts.push(part);
      return Buffer.concat(parts);
    };
    const put = (name: string, bytes: Buffer) => writeObject(js, jsm, BUCKET, name, Readable.from([bytes]));
    const read = (name: string, range?: { start: number; end: number }) => collect(readObject(js, jsm, os, name, range));

    it('reads whole objects and byte ranges across chunk boundaries', async () => {
      const bytes = randomBytes(2 * CHUNK_BYTES + 99);
      await put('r/whole', bytes);
      expect((await read('r/whole')).equals(bytes)).toBe(true);
      const range = { start: CHUNK_BYTES - 10, end: 2 * CHUNK_BYTES + 5 };
      expect((await read('r/whole', range)).equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
      expect((await read('r/whole', { start: 5, end: 5 })).equals(bytes.subarray(5, 6))).toBe(true);
    });

    it('answers ARTIFACT_NOT_FOUND at once for an object whose chunks were purged, instead of waiting for them', async () => {
      const { nuid } = await put('r/purged', randomBytes(CHUNK_BYTES * 2));
      await jsm.streams.purge(STREAM, { filter: `$O.${BUCKET}.C.${nuid}` });
      await expect(read('r/purged')).rejects.toMatchObject({ code: ErrorCode.ArtifactNotFound });
      // Its consumer is removed, not left to expire.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const consumers = await jsm.consumers.list(STREAM).next();
      expect(consumers.filter((c) => c.config.filter_subject?.endsWith(nuid))).toEqual([]);
    });
  });
});
