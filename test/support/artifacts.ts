import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * One HTTP request with the path sent byte for byte (fetch would normalize `..` away) and a body
 * that may be a stream. Resolves on the response even if the server closes before reading it all.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; headers?: Record<string, string>; body?: Buffer | Readable } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (Buffer.isBuffer(options.body)) headers['content-length'] ??= String(options.body.length);
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    // A server that answers early (413) and closes makes our writes fail: the response decides.
    req.on('error', (error) => setTimeout(() => reject(error), 2_000));
    if (options.body instanceof Readable) {
      options.body.on('error', () => req.destroy());
      options.body.pipe(req);
    } else req.end(options.body);
  });
}

/** Deterministic pseudo-random bytes, generated as they are read: `size` bytes never sit in memory. */
export function generatedBody(size: number, seed = 1, blockSize = 256 * 1024): { stream: () => Readable; sha256: string } {
  const block = (i: number) => createHash('sha512').update(`${seed}:${i}`).digest();
  const chunkAt = (offset: number) => {
    const length = Math.min(blockSize, size - offset);
    const out = Buffer.allocUnsafe(length);
    for (let p = 0; p < length; p += 64) block(offset + p).copy(out, p, 0, Math.min(64, length - p));
    return out;
  };
  const hash = createHash('sha256');
  for (let offset = 0; offset < size; offset += blockSize) hash.update(chunkAt(offset));
  return {
    sha256: hash.digest('hex'),
    stream: () =>
      Readable.from(
        (function* () {
          for (let offset = 0; offset < size; offset += blockSize) yield chunkAt(offset);
        })(),
      ),
  };
}

/** Samples a process's resident memory until stopped; returns its idle and peak values. */
export function sampleRss(pid: number, everyMs = 10) {
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  const idle = rss();
  let peak = idle;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rss());
    } catch {
      // the process is gone
    }
  }, everyMs);
  return {
    idle,
    stop: () => {
      clearInterval(timer);
      return { idle, peak, aboveIdle: peak - idle };
    },
  };
}

/** Downloads with fetch, hashing as it reads: returns status, headers, size and sha256. */
export async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const hash = createHash('sha256');
  let size = 0;
  const chunks: Buffer[] = [];
  if (res.body)
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(part);
      size += part.length;
      if (size <= 1024 * 1024) chunks.push(Buffer.from(part));
    }
  return { status: res.status, headers: res.headers, size, sha256: hash.digest('hex'), head: Buffer.concat(chunks) };
}
