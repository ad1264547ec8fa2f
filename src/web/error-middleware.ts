/**
 * The one error middleware. Every route lets errors through (Express 5 forwards rejected
 * promises); this maps them to a status and a message a person can act on:
 *   HttpError -> its status; InvalidInputError -> 400; NotFoundError -> 404; ForbiddenError -> 403; UnavailableError -> 503 + Retry-After;
 *   multer LIMIT_FILE_SIZE -> 413 naming the limit; LIMIT_FILE_COUNT -> 400 naming the limit;
 *   other multer errors -> 400; ClientGoneError (an upload broken off) -> nothing sent, logged at info;
 *   malformed JSON body -> 400; anything else -> 500 with a generic message (the error is logged).
 * The reply format follows the request: htmx requests (HX-Request) get an HTML alert fragment the
 * page swaps in (htmx 4 swaps 4xx/5xx responses), `/api/*` and JSON requests get
 * `{error, field?}`, the OpenAI-compatible API (/v1) gets OpenAI's `{error: {message, type, param,
 * code}}` (./openai/openai-errors.ts), plain browser requests get a small error page.
 */
import type { ErrorRequestHandler, Request } from 'express';
import multer from 'multer';
import type { Logger } from '../log.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts';
import { drainBody } from './body-drain.ts';
import { ClientGoneError, HttpError } from './http-error.ts';
import { TOO_MANY_FILES } from './upload.ts';
import { isOpenAiPath, openAiErrorBody } from './openai/openai-errors.ts';
import { errorAlert, errorPage } from '../../templates/error.ts';

interface Mapped {
  status: number;
  message: string;
  field?: string | undefined;
  retryAfterSeconds?: number | undefined;
  code?: string | undefined;
}

/** Body-parser errors carry `type` and `status`; their messages are safe to show when `expose`. */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
  message: string;
}

function mapError(err: unknown, maxUploadBytes: number): Mapped {
  if (err instanceof HttpError) return { status: err.status, message: err.message, ...err.details };
  if (err instanceof InvalidInputError) return { status: 400, message: err.message };
  if (err instanceof NotFoundError) return { status: 404, message: err.message };
  if (err instanceof ForbiddenError) return { status: 403, message: err.message };
  if (err instanceof UnavailableError) return { status: 503, message: err.message, retryAfterSeconds: err.retryAfterSeconds, code: err.code };
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') {
      const mb = Math.round((maxUploadBytes / (1024 * 1024)) * 10) / 10;
      const name = err.field === undefined ? 'The file' : 'A file';
      return { status: 413, message: `${name} is too large: the limit is ${mb} MB per file.`, field: 'file' };
    }
    if (err.code === 'LIMIT_FILE_COUNT') return { status: 400, message: TOO_MANY_FILES, field: 'file' };
    if (err.code === 'LIMIT_UNEXPECTED_FILE') return { status: 400, message: 'Send files in the form field "file".', field: 'file' };
    return { status: 400, message: `Upload rejected: ${err.message}.`, field: 'file' };
  }
  const bp = err as BodyParserError;
  if (err instanceof Error && bp.type === 'entity.parse.failed') {
    return { status: 400, message: 'The request body is not valid JSON.' };
  }
  if (err instanceof Error && bp.type === 'entity.too.large') {
    return { status: 413, message: 'The request body is too large.' };
  }
  if (err instanceof Error && bp.expose === true && typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500) {
    return { status: bp.status, message: bp.message };
  }
  return { status: 500, message: 'Something went wrong on our side. Please try again; if it keeps happening, check the server log.' };
}

function wantsJson(req: Request): boolean {
  if (req.path.startsWith('/api/')) return true;
  if (req.is('application/json')) return true;
  return req.accepts(['html', 'json']) === 'json';
}

/** Builds the error middleware; `maxUploadBytes` names the limit in 413 messages. */
export function errorMiddleware(log: Logger, maxUploadBytes: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof ClientGoneError) {
      log.info({ method: req.method, path: req.path }, err.message);
      if (!res.headersSent) res.destroy();
      return;
    }
    const mapped = mapError(err, maxUploadBytes);
    // 503 (busy) and 507 (storage full) are expected states with their own message, not faults.
    if (mapped.status >= 500 && mapped.status !== 503 && mapped.status !== 507) log.error({ err, method: req.method, path: req.path }, 'request failed');
    else log.debug({ status: mapped.status, path: req.path, message: mapped.message }, 'request rejected');

    // A streamed response already started: the status can no longer change, so just end it.
    if (res.headersSent) {
      res.end();
      return;
    }
    // A refusal before the body was read (a foreign Host, a cross-site request, a full queue):
    // the rest of the body is read and dropped within a bound, never whole (./body-drain.ts).
    drainBody(req);
    if (mapped.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(mapped.retryAfterSeconds)));
    res.status(mapped.status);
    if (isOpenAiPath(req.path)) {
      res.json(openAiErrorBody(mapped));
    } else if (req.get('HX-Request') === 'true') {
      res.type('html').send(errorAlert(mapped.message, mapped.status).value);
    } else if (wantsJson(req)) {
      res.json(mapped.field === undefined ? { error: mapped.message } : { error: mapped.message, field: mapped.field });
    } else {
      res.type('html').send(errorPage(mapped.message, mapped.status).value);
    }
  };
}
