import { DomainError, ErrorCode } from '#contracts';

/** Input that fails validation; rendered as `{ "error": [messages] }`. */
export class ValidationFailedError extends DomainError {
  constructor(readonly details: string[]) {
    super(ErrorCode.ValidationFailed, details.join('; '));
  }
}
