import { Objm } from '@nats-io/obj';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { OBJECT_BUCKETS } from '#contracts';
import { waitFor, type ServiceProcess } from '../tools/harness';
import { download, generatedBody, rawRequest, sampleRss } from './support/artifacts';
import { TestSystem } from './support/system';
import { tokenFor } from './support/tokens';

const MiB = 1024 * 1024;
const STREAM = `OBJ_${OBJECT_BUCKETS.artifacts}`;
const CHUNKS = `$O.${OBJECT_BUCKETS.artifacts}.C.>`;

/** Large files with bounded memory, the size limit, and what a kill -9 mid-upload leaves behind. */
describe('file artifacts: size, memory and crashes', () => {
  let system: TestSystem;
  const owner = 'usr_big';
  const token = tokenFor(owner);
  let runId: string;

  beforeAll(async () => {
    system = await TestSystem.start({ workers: 0 });
    const tripId = await system.thread(owner);
    runId = (await system.api(owner).post('/v1/agent-runs', { tripId, triggerMessage: 'big' })).body.run.id;
  });
  afterAll(() => system?.stop());

  const path = (name: string) => `/api/v1/agents/${runId}/artifacts/${name}`;
  const chunkSubjects = async () =>
    Object.keys((await system.jsm.streams.info(STREAM, { subjects_filter: CHUNKS })).state.subjects ?? {});
  const liveNuids = async () => new Set((await (await new Objm(system.js).open(OBJECT_BUCKETS.artifacts)).list()).map((o) => o.nuid));
  const orphanChunkSubjects = async () => {
    const live = await liveNuids();
    return (await chunkSubjects()).filter((s) => !live.has(s.split('.').pop() as string));
  };
  const files = async () => (await system.api(owner).get(`/api/v1/agents/${runId}/artifacts?details=true`)).body as { path: string }[];

  it('round-trips a 64 MiB file through the gateway with the artifact-service 64 MB above idle at most', async () => {
    const service = system.artifactServices[0] as ServiceProcess;
    const body = generatedBody(64 * MiB, 7);
    const up = sampleRss(service.pid as number);
    const res = await rawRequest(system.gateway!.url, 'PUT', path('big/data.bin'), {
      token,
      body: body.stream(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(64 * MiB) },
    });
    const upload = up.stop();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ size: 64 * MiB, sha256: body.sha256 });

    const down = sampleRss(service.pid as number);
    const got = await download(`${system.gateway!.url}${path('big/data.bin')}`, { authorization: `Bearer ${token}` });
    const downloadRss = down.stop();
    expect(got).toMatchObject({ status: 200, size: 64 * MiB, sha256: body.sha256 });
    expect(got.headers.get('content-length')).toBe(String(64 * MiB));
    // Logged for the record; the bound is the issue's.
    process.stdout.write(`artifact-service RSS above idle: upload ${(upload.aboveIdle / MiB).toFixed(1)} MiB, download ${(downloadRss.aboveIdle / MiB).toFixed(1)} MiB\n`);
    expect(upload.aboveIdle).toBeLessThanOrEqual(64 * 1000 * 1000);
    expect(downloadRss.aboveIdle).toBeLessThanOrEqual(64 * 1000 * 1000);
  });

  it('answers 413 beyond ARTIFACT_MAX_BYTES, by Content-Length or by counting, and stores nothing', async () => {
    const small = await system.startArtifactService({ ARTIFACT_MAX_BYTES: String(MiB) });
    try {
      const declared = await rawRequest(small.url, 'PUT', path('too-big-declared.bin'), {
        token,
        body: generatedBody(2 * MiB).stream(),
        headers: { 'content-length': String(2 * MiB) },
      });
      expect(declared.status).toBe(413);
      expect(declared.body).toEqual({ error: expect.any(String) });
      // Chunked: no length up front, so the running count trips mid-stream.
      const counted = await rawRequest(small.url, 'PUT', path('too-big-counted.bin'), { token, body: generatedBody(2 * MiB).stream() });
      expect(counted.status).toBe(413);
      // Through the gateway, against the default limit (256 MiB): refused on the declared length at once.
      const huge = Readable.from(
        (function* () {
          for (let i = 0; i < 300; i++) yield Buffer.alloc(MiB);
        })(),
      );
      const viaGateway = await rawRequest(system.gateway!.url, 'PUT', path('huge.bin'), {
        token,
        body: huge,
        headers: { 'content-length': String(300 * MiB) },
      });
      huge.destroy();
      expect(viaGateway.status).toBe(413);
      const exact = await rawRequest(small.url, 'PUT', path('just-fits.bin'), { token, body: generatedBody(MiB).stream() });
      expect(exact.status).toBe(201);
      const paths = (await files()).map((f) => f.path);
      expect(paths).toContain('just-fits.bin');
      expect(paths).not.toContain('too-big-declared.bin');
      expect(paths).not.toContain('too-big-counted.bin');
      expect(paths).not.toContain('huge.bin');
      // The refused put purged its own chunks.
      await waitFor('no orphan chunks', async () => (await orphanChunkSubjects()).length === 0, 5_000);
    } finally {
      await small.stop();
    }
  });

  it('leaves nothing visible when killed mid-upload, and its sweeper purges the orphaned chunks and objects', async () => {
    const sweeperEnv = {
      ARTIFACT_SWEEP_INTERVAL_MS: '300',
      ARTIFACT_SWEEP_GRACE_MS: '4000',
      ARTIFACT_UPLOAD_IDLE_TIMEOUT_MS: '1000',
      COMMAND_TIMEOUT_MS: '2500',
    };
    const victim = await system.startArtifactService(sweeperEnv);
    const size = 16 * MiB;
    const body = generatedBody(size, 3);
    let sent = 0;
    const slow = Readable.from(
      (async function* () {
        for await (const chunk of body.stream()) {
          sent += (chunk as Buffer).length;
          yield chunk;
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
    );
    const upload = rawRequest(victim.url, 'PUT', path('crash/partial.bin'), {
      token,
      body: slow,
      headers: { 'content-length': String(size) },
    }).catch((error: Error) => error);
    await waitFor('part of the upload stored', async () => sent > 4 * MiB && (await orphanChunkSubjects()).length > 0, 30_000, 20);
    await victim.kill();
    // The connection died under the client: no answer at all (jest's realm makes instanceof Error unreliable).
    expect(await upload).not.toHaveProperty('status');
    expect(sent).toBeLessThan(size);
    expect((await files()).map((f) => f.path)).not.toContain('crash/partial.bin');
    const orphans = await orphanChunkSubjects();
    expect(orphans.length).toBeGreaterThan(0);

    // Bytes stored but never recorded (a crash between put and RecordArtifact), and a replaced file.
    const os = await new Objm(system.js).open(OBJECT_BUCKETS.artifacts);
    const unrecorded = `runs/${runId}/${randomUUID()}`;
    await os.putBlob({ name: unrecorded }, new Uint8Array([1, 2, 3]));
    const api = system.gateway!.url;
    await rawRequest(api, 'PUT', path('replaced.txt'), { token, body: Buffer.from('v1') });
    const superseded = (await system.db.query<{ object_name: string }>(`SELECT object_name FROM artifacts WHERE path = 'replaced.txt'`))[0]!.object_name;
    await rawRequest(api, 'PUT', path('replaced.txt'), { token, body: Buffer.from('v2') });
    const kept = await system.db.query<{ object_name: string }>(`SELECT object_name FROM artifacts`);

    await victim.spawn();
    try {
      await waitFor('orphans swept', async () => (await orphanChunkSubjects()).length === 0, 30_000, 200);
      const gone = async (name: string) => ((await os.info(name))?.deleted ?? true) === true;
      await waitFor('unreferenced objects swept', async () => (await gone(unrecorded)) && (await gone(superseded)), 30_000, 200);
      // Everything the read model references is intact.
      for (const { object_name } of kept) expect(await gone(object_name)).toBe(false);
      expect((await download(`${api}${path('replaced.txt')}`, { authorization: `Bearer ${token}` })).head.toString()).toBe('v2');
      expect(
        (await download(`${api}${path('big/data.bin')}`, { authorization: `Bearer ${token}`, range: 'bytes=-1' })).status,
      ).toBe(206);
    } finally {
      await victim.stop();
    }
  });
});
