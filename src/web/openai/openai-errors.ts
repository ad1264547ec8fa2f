/**
 * Errors of the OpenAI-compatible API (/v1/*) in OpenAI's shape, so its clients raise their usual
 * exceptions (the `openai` npm client's BadRequestError, RateLimitError, ...):
 *   {error: {message, type, param, code}}
 * Routes throw the one HttpError with `field` = the OpenAI parameter name and an optional `code`;
 * the one error middleware formats it this way for /v1 paths (errorMiddleware).
 */
import { HttpError } from '../http-error.ts';

export const isOpenAiPath = (path: string): boolean => path === '/v1' || path.startsWith('/v1/');

/** A 400 about parameter `param` (OpenAI's name, e.g. "temperature", "messages[2].content"). */
export const invalidParam = (message: string, param: string | null, code?: string): HttpError =>
  new HttpError(400, message, { ...(param === null ? {} : { field: param }), ...(code === undefined ? {} : { code }) });

function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function defaultCode(status: number): string | null {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 503) return 'busy';
  return null;
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function openAiErrorBody(m: { status: number; message: string; field?: string | undefined; code?: string | undefined }): OpenAiErrorBody {
  return { error: { message: m.message, type: typeOf(m.status), param: m.field ?? null, code: m.code ?? defaultCode(m.status) } };
}
