/**
 * Errors that say whether trying again can help. One place (the message-handling policy in
 * src/adapters/delivery-policy.ts) turns that into ack / requeue with a bounded count / dead-letter.
 * Programming errors (TypeError, RangeError...) are never retryable.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly retryable: boolean;
  readonly code: string;
  constructor(message: string, opts: { retryable?: boolean; code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable ?? false;
    this.code = opts.code ?? 'error';
  }
}

/** Bad input that will never succeed: dead-letter or 4xx, never retry. */
export class InvalidInputError extends AppError {
  override name = 'InvalidInputError';
  constructor(message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, { ...opts, retryable: false, code: opts.code ?? 'invalid_input' });
  }
}

/** A dependency is briefly unavailable (broker down, queue full): worth retrying later. */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  constructor(message: string, opts: { code?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { ...opts, retryable: true, code: opts.code ?? 'unavailable' });
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 5;
  }
  readonly retryAfterSeconds: number;
}

/**
 * The thing asked for does not exist (a deleted chat, a document no longer in the library): never
 * retried; the web's error middleware answers it 404 with this message.
 */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, { ...opts, retryable: false, code: opts.code ?? 'not_found' });
  }
}

/**
 * The caller may see the thing but not do this to it (a member writing into a collection they may
 * only read, a member opening an admin page): never retried; the web answers it 403.
 */
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message: string, opts: { code?: string; cause?: unknown } = {}) {
    super(message, { ...opts, retryable: false, code: opts.code ?? 'forbidden' });
  }
}

/** Whether an error may succeed on another attempt. Unknown errors count as retryable, except programming errors. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AppError) return err.retryable;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError) return false;
  return true;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
