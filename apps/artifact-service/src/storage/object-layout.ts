/**
 * Where the JetStream Object Store keeps an object (the client library's layout, which our writer
 * and reader share with it): bucket B is the stream OBJ_B, an object's chunks are on
 * `$O.B.C.<nuid>`, its metadata on `$O.B.M.<name>`.
 */

/** The Object Store's chunk size (the client library's default): readers map ranges to chunks by it. */
export const CHUNK_BYTES = 128 * 1024;

/** Base64url with padding, as the Object Store encodes object names and digests. */
export const base64UrlPadded = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

export const objectStreamOf = (bucket: string) => `OBJ_${bucket}`;
export const chunkPrefixOf = (bucket: string) => `$O.${bucket}.C.`;
export const chunkSubjectOf = (bucket: string, nuid: string) => `${chunkPrefixOf(bucket)}${nuid}`;
export const metaSubjectOf = (bucket: string, name: string) => `$O.${bucket}.M.${base64UrlPadded(Buffer.from(name))}`;
