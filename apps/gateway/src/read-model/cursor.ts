import { MAX_INT32, RUN_ID_PATTERN } from '#contracts';
import { ValidationFailedError } from '#platform';

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
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new Error();
    if (typeof id !== 'string' || !ID_PATTERNS[idKind].test(id) || (idKind === 'int' && Number(id) > MAX_INT32))
      throw new Error();
    return { createdAt, id };
  } catch {
    throw new ValidationFailedError(['cursor is not a cursor this API returned']);
  }
}
