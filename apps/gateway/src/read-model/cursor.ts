import { ValidationFailedError } from '../errors/validation-failed.error';

/** Opaque keyset cursor over (createdAt desc, id desc). */
export interface KeysetCursor {
  createdAt: string;
  id: string;
}

export const encodeCursor = (c: KeysetCursor): string => Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');

export function decodeCursor(raw: string): KeysetCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [string, string];
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string') throw new Error();
    return { createdAt, id };
  } catch {
    throw new ValidationFailedError(['cursor is not a cursor this API returned']);
  }
}
