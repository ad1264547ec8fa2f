/**
 * The one HTTP error type. Routes throw it (or let domain errors through); the error middleware
 * turns it into a response. `message` is shown to people, so it says what to do about it.
 */
export interface HttpErrorDetails {
  /** The request field the message is about, when there is one (form fields get highlighted). */
  field?: string;
  /** Seconds after which trying again makes sense (sent as Retry-After). */
  retryAfterSeconds?: number;
  /** A machine-readable reason (the OpenAI-compatible API's `error.code`). */
  code?: string;
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: HttpErrorDetails = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, field?: string): HttpError =>
  new HttpError(400, message, field === undefined ? {} : { field });

export const notFound = (message: string): HttpError => new HttpError(404, message);

/**
 * The client went away before its request was complete (an upload broken off mid-body): nothing
 * can be answered, and nothing failed on our side, so it is logged at info without a stack.
 */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}
