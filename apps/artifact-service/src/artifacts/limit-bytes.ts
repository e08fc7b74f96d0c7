import { Transform, type TransformCallback } from 'node:stream';
import { DomainError, ErrorCode } from '#contracts';

/** Passes bytes through until more than `max` have passed, then fails with PAYLOAD_TOO_LARGE. */
export function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) return done(new DomainError(ErrorCode.PayloadTooLarge, `artifact exceeds ${max} bytes`));
      done(null, chunk);
    },
  });
}
