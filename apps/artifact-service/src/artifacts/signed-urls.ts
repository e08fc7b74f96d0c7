import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode } from '#contracts';

export type Disposition = 'inline' | 'attachment';

export interface SignedGrant {
  method: string;
  runId: string;
  path: string;
  /** Unix seconds. */
  expires: number;
  disposition: Disposition | null;
  /** PUT grants: the user who asked for the upload URL (its upload is recorded as theirs). */
  uploader?: string;
}

const forbidden = (message: string) => new DomainError(ErrorCode.Forbidden, message);

/**
 * Signed download URLs: HMAC-SHA256 over method, run, path, expiry and disposition, so a URL
 * grants exactly one file, one method, until it expires, and changing any part breaks it.
 */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  sign(grant: SignedGrant): string {
    const canonical =
      grant.method === 'PUT'
        ? ['v2-put', grant.runId, grant.path, String(grant.expires), grant.uploader ?? ''].join('\n')
        : ['v1', grant.method, grant.runId, grant.path, String(grant.expires), grant.disposition ?? ''].join('\n');
    return createHmac('sha256', this.secret).update(canonical).digest('base64url');
  }

  /** Throws FORBIDDEN unless `signature` is this grant's and it has not expired. */
  verify(grant: SignedGrant, signature: string, now = Date.now()): void {
    const expected = Buffer.from(this.sign(grant));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw forbidden('invalid signature: the URL was altered or does not grant this request');
    if (!Number.isSafeInteger(grant.expires) || grant.expires * 1000 <= now) throw forbidden('the signed URL has expired');
  }
}
