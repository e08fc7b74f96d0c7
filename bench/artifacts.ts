/**
 * bench:artifacts — upload and download throughput of file artifacts through the HTTP API (the
 * gateway, which proxies to the artifact-service, and the artifact-service directly), beside raw
 * Object Store put/get of the same bytes to the same server in the same run.
 *
 *   npm run bench:artifacts -- [--small-count 20] [--large-count 3] [--rounds 3] [--parallel 4]
 *
 * BENCH_ENV='{"NAME":"value"}' passes extra environment to the services (e.g. projector settings).
 */
import { Objm, setSha256Backend, type ObjectStore } from '@nats-io/obj';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Readable } from 'node:stream';
import { OBJECT_BUCKETS } from '../libs/contracts/src';
import { ServiceProcess } from '../tools/harness';
import { argInt, fmt, machine, percentile, pipelined } from './support';
import { BenchSystem } from './system';

const MB = 1024 * 1024;
const SLICE = 1 * MB;

/** Kept-alive connections, as any HTTP client library keeps them (the raw baseline keeps its NATS connection too). */
const agent = new Agent({ keepAlive: true });

const slices = (bytes: Buffer) => Array.from({ length: Math.ceil(bytes.length / SLICE) }, (_, i) => bytes.subarray(i * SLICE, (i + 1) * SLICE));

function put(base: string, path: string, cookie: string, bytes: Buffer): Promise<void> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'PUT', headers: { cookie, 'content-type': 'application/octet-stream', 'content-length': bytes.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 || res.statusCode === 201 ? resolve() : reject(new Error(`PUT ${res.statusCode}`))));
    });
    req.on('error', reject);
    Readable.from(slices(bytes)).pipe(req);
  });
}

function get(base: string, path: string, cookie: string, expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    request(new URL(path, base), { agent, headers: { cookie } }, (res) => {
      let size = 0;
      res.on('data', (d: Buffer) => (size += d.length));
      res.on('end', () => (res.statusCode === 200 && size === expected ? resolve() : reject(new Error(`GET ${res.statusCode} ${size}`))));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function rawPut(os: ObjectStore, name: string, bytes: Buffer): Promise<void> {
  await os.put({ name }, Readable.toWeb(Readable.from(slices(bytes))) as ReadableStream<Uint8Array>);
}

async function rawGet(os: ObjectStore, name: string, expected: number): Promise<void> {
  const result = await os.get(name);
  if (!result) throw new Error('missing object');
  let size = 0;
  for await (const part of result.data as unknown as AsyncIterable<Uint8Array>) size += part.length;
  if (size !== expected) throw new Error(`raw get ${size}`);
}

/** Median latency of `task` run `count` times one after another. */
async function medianMs(count: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await task(i);
    times.push(performance.now() - t0);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

/** Peak resident memory of a process while `work` runs, above its value before. */
async function peakRssAbove(pid: number, work: () => Promise<unknown>): Promise<number> {
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  const idle = rss();
  let peak = idle;
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rss()) - idle;
}

async function main(): Promise<void> {
  const SMALL_COUNT = argInt('small-count', 20);
  const LARGE_COUNT = argInt('large-count', 3);
  const ROUNDS = argInt('rounds', 3);
  const PARALLEL = argInt('parallel', 4);
  // The service uses Node's native SHA-256 for the Object Store digest; so does the baseline.
  setSha256Backend('native');
  const system = await BenchSystem.start(['run-service', 'artifact-service'], JSON.parse(process.env.BENCH_ENV ?? '{}'));
  const artifactService = system.service('artifact-service');
  const gateway = await ServiceProcess.start('gateway', {
    NATS_URL: system.nats.url,
    DATABASE_URL: system.db.url,
    ARTIFACT_SERVICE_URL: artifactService.url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_REQUESTS: '0',
  });
  system.services.set('gateway', gateway);
  try {
    const user = 'usr_bench';
    const cookie = await BenchSystem.cookieFor(user);
    const [runId] = await system.startedRuns(user, 1);
    const os = await new Objm(system.js).open(OBJECT_BUCKETS.artifacts);
    const small = randomBytes(1 * MB);
    // Small files are dominated by per-request latency (ownership, command, projection): also
    // measured with PARALLEL transfers in flight, the raw baseline likewise.
    const sizes = [
      { label: '1 MB', bytes: small, count: SMALL_COUNT, width: 1 },
      { label: `1 MB ×${PARALLEL}`, bytes: small, count: SMALL_COUNT * PARALLEL, width: PARALLEL },
      { label: '64 MB', bytes: randomBytes(64 * MB), count: LARGE_COUNT, width: 1 },
    ];
    const paths = { gateway: gateway.url, direct: artifactService.url };
    type Row = Record<'rawPut' | 'rawGet' | 'gatewayUp' | 'gatewayDown' | 'directUp' | 'directDown', number>;
    const results = new Map<string, Row>();
    let peakUp = 0;
    let peakDown = 0;
    // Warm-up: connections, JIT, buckets.
    await put(paths.gateway, `/api/v1/agents/${runId}/artifacts/warm.bin`, cookie, sizes[0]!.bytes);
    await get(paths.gateway, `/api/v1/agents/${runId}/artifacts/warm.bin`, cookie, sizes[0]!.bytes.length);

    for (let round = 0; round < ROUNDS; round++) {
      for (const { label, bytes, count, width } of sizes) {
        const row = results.get(label) ?? { rawPut: 0, rawGet: 0, gatewayUp: 0, gatewayDown: 0, directUp: 0, directDown: 0 };
        const mbps = async (work: (i: number) => Promise<unknown>) => {
          const t0 = performance.now();
          await pipelined(count, width, work);
          return (count * bytes.length) / MB / ((performance.now() - t0) / 1000);
        };
        const names = Array.from({ length: count }, () => `bench/${randomUUID()}`);
        row.rawPut = Math.max(row.rawPut, await mbps((i) => rawPut(os, names[i]!, bytes)));
        row.rawGet = Math.max(row.rawGet, await mbps((i) => rawGet(os, names[i]!, bytes.length)));
        for (const [via, base] of Object.entries(paths) as ['gateway' | 'direct', string][]) {
          const path = (i: number) => `/api/v1/agents/${runId}/artifacts/${via}/${label.replace(/\W/g, '')}-${round}-${i}.bin`;
          const measureUp = () => mbps((i) => put(base, path(i), cookie, bytes));
          const measureDown = () => mbps((i) => get(base, path(i), cookie, bytes.length));
          let up = 0;
          let down = 0;
          if (label === '64 MB' && via === 'gateway') {
            peakUp = Math.max(peakUp, await peakRssAbove(artifactService.pid as number, async () => (up = await measureUp())));
            peakDown = Math.max(peakDown, await peakRssAbove(artifactService.pid as number, async () => (down = await measureDown())));
          } else {
            up = await measureUp();
            down = await measureDown();
          }
          row[`${via}Up`] = Math.max(row[`${via}Up`], up);
          row[`${via}Down`] = Math.max(row[`${via}Down`], down);
        }
        for (const name of names) await os.delete(name);
        results.set(label, row);
      }
    }

    // What a request costs before its bytes: 1-byte files, the same ways. This is what keeps a 1 MB
    // transfer's ratio low (ownership check, RecordArtifact through the run-service, read-your-writes).
    const one = Buffer.from('x');
    const fixed = {
      rawPut: await medianMs(SMALL_COUNT * 2, (i) => rawPut(os, `bench/one-${i}`, one)),
      rawGet: await medianMs(SMALL_COUNT * 2, (i) => rawGet(os, `bench/one-${i}`, 1)),
      gatewayUp: await medianMs(SMALL_COUNT * 2, (i) => put(paths.gateway, `/api/v1/agents/${runId}/artifacts/one/g${i}`, cookie, one)),
      gatewayDown: await medianMs(SMALL_COUNT * 2, (i) => get(paths.gateway, `/api/v1/agents/${runId}/artifacts/one/g${i}`, cookie, 1)),
      directUp: await medianMs(SMALL_COUNT * 2, (i) => put(paths.direct, `/api/v1/agents/${runId}/artifacts/one/d${i}`, cookie, one)),
      directDown: await medianMs(SMALL_COUNT * 2, (i) => get(paths.direct, `/api/v1/agents/${runId}/artifacts/one/d${i}`, cookie, 1)),
    };

    console.log(`bench:artifacts  ${machine()}`);
    console.log(`  best of ${ROUNDS} rounds; 1 MB × ${SMALL_COUNT} one at a time, × ${SMALL_COUNT * PARALLEL} ${PARALLEL} at a time; 64 MB × ${LARGE_COUNT}; MB = MiB`);
    console.log('  size      direction  raw Object Store   HTTP via gateway (ratio)   HTTP direct to artifact-service (ratio)');
    let worst = Infinity;
    for (const [label, r] of results) {
      const line = (dir: string, raw: number, gw: number, direct: number) =>
        `  ${label.padEnd(8)}  ${dir.padEnd(9)}  ${fmt(raw, 1).padStart(10)} MB/s   ${fmt(gw, 1).padStart(9)} MB/s (${fmt(gw / raw, 2)})     ${fmt(direct, 1).padStart(9)} MB/s (${fmt(direct / raw, 2)})`;
      console.log(line('upload', r.rawPut, r.gatewayUp, r.directUp));
      console.log(line('download', r.rawGet, r.gatewayDown, r.directDown));
      worst = Math.min(worst, r.gatewayUp / r.rawPut, r.gatewayDown / r.rawGet);
    }
    console.log(
      `  1 byte    p50 latency  put ${fmt(fixed.rawPut, 2)} / get ${fmt(fixed.rawGet, 2)} ms   ` +
        `up ${fmt(fixed.gatewayUp, 2)} / down ${fmt(fixed.gatewayDown, 2)} ms           up ${fmt(fixed.directUp, 2)} / down ${fmt(fixed.directDown, 2)} ms`,
    );
    console.log(`  lowest ratio through the gateway: ${fmt(worst, 2)}  (target ≥ 0.7)  ${worst >= 0.7 ? 'MET' : 'NOT MET'}`);
    const limit = 64 * MB;
    console.log(
      `  artifact-service peak RSS above idle during 64 MB transfers: upload ${fmt(peakUp / MB, 1)} MB, download ${fmt(peakDown / MB, 1)} MB` +
        `  (target ≤ 64 MB)  ${Math.max(peakUp, peakDown) <= limit ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await system.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
