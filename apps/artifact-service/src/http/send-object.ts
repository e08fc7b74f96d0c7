import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Download } from '../artifacts/file-artifacts.service';
import { DomainError, ErrorCode } from '#contracts';
import { parseByteRange } from './byte-range';

const etagMatches = (header: string | undefined, etag: string) =>
  header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

/** Passes bytes on; at the end compares their SHA-256 with the recorded one (fails the stream if not). */
function verifySha256(expected: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(actual === expected ? null : new Error(`stored bytes do not match sha256 ${expected}`));
    },
  });
}

/**
 * Streams a file artifact with `ETag` (its sha256), conditional GET (304), and one byte range
 * (206, or 416 when unsatisfiable); bytes flow from the Object Store with backpressure.
 */
export async function sendObject(req: Request, res: Response, download: Download, disposition?: string | null): Promise<void> {
  // Only the two dispositions there are: anything else would be echoed into a response header.
  if (disposition !== undefined && disposition !== null && disposition !== 'inline' && disposition !== 'attachment')
    throw new DomainError(ErrorCode.ValidationFailed, 'disposition must be inline or attachment');
  const { file } = download;
  const etag = `"${file.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, no-cache');
  // User-supplied bytes served from the API's origin must not run as a page there.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
  if (disposition) {
    const name = (file.path ?? 'artifact').split('/').pop() as string;
    res.setHeader('Content-Disposition', `${disposition}; filename*=UTF-8''${encodeURIComponent(name)}`);
  }
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? parseByteRange(req.headers.range, file.size) : null;
  if (range === 'unsatisfiable') {
    res.status(416).setHeader('Content-Range', `bytes */${file.size}`).json({ error: 'range not satisfiable' });
    return;
  }
  res.setHeader('Content-Type', file.contentType);
  if (range) {
    res.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200).setHeader('Content-Length', String(file.size));
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const source = Readable.from(download.read(range ?? undefined), { objectMode: false });
  try {
    if (range) await pipeline(source, res);
    else await pipeline(source, verifySha256(file.sha256), res);
  } catch (error) {
    // The client went away: nothing to answer, the pipeline already released the Object Store reader.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw error;
  }
}
