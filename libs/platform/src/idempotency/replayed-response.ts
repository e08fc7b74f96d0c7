/** Thrown to answer with a stored response verbatim (the exception filter writes it). */
export class ReplayedResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
