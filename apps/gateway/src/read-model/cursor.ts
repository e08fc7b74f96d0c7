import { MAX_INT32, RUN_ID_PATTERN } from '#contracts';
import { ValidationFailedError } from '#platform';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque keyset cursor over (createdAt desc, id desc). */
export interface KeysetCursor {
  createdAt: string;
  id: string;
}

export const encodeCursor = (c: KeysetCursor): string => Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');

const ID_PATTERNS = {
  uuid: RUN_ID_PATTERN,
  int: /^[1-9][0-9]{0,9}$/,
};

/** Parses a cursor this API issued; anything else (tampered, other list's) is a 400, never a query error. */
export function decodeCursor(raw: string, idKind: keyof typeof ID_PATTERNS): KeysetCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error();
    const [createdAt, id] = parsed as [unknown, unknown];
    // Exactly the ISO instants this API writes (Postgres would refuse `March 7` or `1` as a timestamp).
    if (typeof createdAt !== 'string' || !ISO_INSTANT.test(createdAt) || new Date(createdAt).toISOString() !== createdAt) throw new Error();
    if (typeof id !== 'string' || !ID_PATTERNS[idKind].test(id) || (idKind === 'int' && Number(id) > MAX_INT32))
      throw new Error();
    return { createdAt, id };
  } catch {
    throw new ValidationFailedError(['cursor is not a cursor this API returned']);
  }
}
