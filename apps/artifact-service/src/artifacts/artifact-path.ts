import { DomainError, ErrorCode } from '#contracts';

export const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
// C0 and C1 control characters and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const invalid = (why: string) => new DomainError(ErrorCode.ValidationFailed, `invalid artifact path: ${why}`);

/**
 * The canonical form of a file artifact's path from its percent-encoded URL form. Unicode is
 * normalized (NFC), so one name cannot have two spellings; anything that could escape the run or
 * alias another name (`..`, `.`, absolute, empty segments, backslashes, control characters) is
 * refused rather than rewritten.
 */
export function normalizeArtifactPath(encoded: string): string {
  let path: string;
  try {
    path = decodeURIComponent(encoded);
  } catch {
    throw invalid('bad percent-encoding');
  }
  path = path.normalize('NFC');
  if (path.length === 0) throw invalid('empty');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) throw invalid(`longer than ${MAX_PATH_BYTES} bytes`);
  if (CONTROL.test(path)) throw invalid('control characters');
  if (path.includes('\\')) throw invalid('backslash');
  if (path.startsWith('/')) throw invalid('absolute path');
  for (const segment of path.split('/')) {
    if (segment.length === 0) throw invalid('empty segment');
    if (segment === '.' || segment === '..') throw invalid('dot segment');
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) throw invalid(`segment longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return path;
}

/** The path as a URL suffix (each segment percent-encoded). */
export const encodeArtifactPath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
