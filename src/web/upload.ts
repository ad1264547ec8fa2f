/**
 * Receiving uploads (POST /api/documents, POST /documents). Files of field `file` stream to temp
 * files under <data>/tmp (upload-storage.ts), counted as they arrive; the document service then
 * moves or deletes them, and if it refuses them, we delete them.
 *
 * Bounds, each answered at once (the rest of the body is read and thrown away within a bound, see
 * body-drain.ts, so Node's fetch and curl alike receive the answer):
 *   - MAX_UPLOAD_MB per file and per request: a sized request announcing more (plus room for the
 *     multipart framing) gets 413 before its body is read; while a body arrives, chunked or not,
 *     each file's bytes, the request's file bytes and its raw bytes are counted -> 413;
 *   - at most MAX_FILES_PER_UPLOAD files -> 400;
 *   - MAX_STORAGE_MB (storage-quota.ts) -> 507, nothing of the refused upload kept;
 *   - the ingest queue full (MAX_PENDING_DOCUMENTS) -> 503 + Retry-After, before the body is read.
 * A client that goes away mid-body is logged at info (ClientGoneError), not as a failure.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { Config } from '../config.ts';
import { badRequest, ClientGoneError, HttpError } from './http-error.ts';
import type { DocumentService, UploadResult } from '../ports/document-service.ts';
import { StorageQuota } from './storage-quota.ts';
import { countingDiskStorage, type UploadLimits } from './upload-storage.ts';

/** Most files one request may carry. */
export const MAX_FILES_PER_UPLOAD = 20;

/** The 400 for one file more than MAX_FILES_PER_UPLOAD. */
export const TOO_MANY_FILES = `Too many files in one upload: at most ${MAX_FILES_PER_UPLOAD} per request.`;

/**
 * Room for the multipart framing around the files (boundaries, part headers, small form fields)
 * on top of MAX_UPLOAD_MB, so a file just under the limit is never refused for its envelope.
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** The upload limit in MB as people read it (e.g. "50 MB"). */
export function describeLimit(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

const tooLarge = (max: number, what: 'file' | 'upload'): HttpError =>
  new HttpError(
    413,
    what === 'file'
      ? `A file is too large: the limit is ${describeLimit(max)} per file and per upload. Upload big files one at a time.`
      : `The upload is too large: the limit is ${describeLimit(max)} per file and per upload. Upload big files one at a time.`,
    { field: 'file' },
  );

const requestState = new WeakMap<Request, UploadLimits>();

/** multer reports a request that broke off with these messages. */
const isClientGone = (err: unknown, req: Request): boolean =>
  err instanceof Error && (/^Request (aborted|closed)$/.test(err.message) || (!req.complete && req.socket.destroyed));

/** The multipart parser's complaints are plain errors; file-system errors carry a `code`. */
/**
 * Limits on the form fields of an upload. Field names with brackets (`items[4294967294]`) are
 * refused outright: multer builds nested objects from them and walks every array index up to the
 * one named, so one 200-byte request blocked the event loop for minutes (GHSA-535w-7cp7-47q4;
 * multer leaves both limits off by default). No Docent form sends such names.
 */
const UPLOAD_FIELD_LIMITS = {
  fields: 10,
  parts: MAX_FILES_PER_UPLOAD + 10,
  fieldNameSize: 100,
  fieldSize: 64 * 1024,
  fieldNestingDepth: 0,
  fieldArrayIndexLimit: 0,
} as multer.Options['limits'];

const isMalformedBody = (err: unknown): err is Error => err instanceof Error && !(err instanceof HttpError) && !('code' in err);

/**
 * The upload middleware for both upload routes; one per web app, so that every upload counts
 * against one storage budget.
 */
export function uploadMiddleware(config: Config, documents: Pick<DocumentService, 'assertAccepting'>): RequestHandler {
  const max = config.web.maxUploadBytes;
  const dir = path.join(config.paths.data, 'tmp');
  const quota = new StorageQuota({ maxBytes: config.limits.storageBytes, dirs: [config.paths.uploads, dir] });
  const receive = multer({
    storage: countingDiskStorage(dir, (req) => requestState.get(req)!),
    // Browsers send UTF-8 file names; busboy's default (latin1) would garble non-ASCII names.
    defParamCharset: 'utf8',
    // The file count is checked in fileFilter, so that the 400 is answered at once (multer reads the
    // whole body before passing its own limit errors on).
    fileFilter: (req, _file, cb) => {
      const state = requestState.get(req) as UploadState;
      state.files++;
      if (state.files > MAX_FILES_PER_UPLOAD) {
        const err = badRequest(TOO_MANY_FILES, 'file');
        state.refuse(err);
        cb(err);
        return;
      }
      cb(null, true);
    },
    limits: UPLOAD_FIELD_LIMITS,
  }).array('file');

  return async (req, res, next) => {
    let answered = false;
    let refused: Error | undefined;
    const refuse = (err: Error): void => {
      if (answered) return;
      answered = true;
      refused = err;
      // The error middleware answers at once and drains the rest of the body within its bound.
      next(err);
    };
    try {
      documents.assertAccepting?.();
    } catch (err) {
      refuse(err as Error);
      return;
    }
    const announced = Number(req.get('content-length'));
    if (Number.isFinite(announced) && announced > max + MULTIPART_OVERHEAD_BYTES) {
      refuse(tooLarge(max, 'upload'));
      return;
    }
    await fs.mkdir(dir, { recursive: true });
    const ticket = await quota.open();
    res.once('close', () => ticket.release());
    if (Number.isFinite(announced) && ticket.wouldExceed(Math.max(0, announced - MULTIPART_OVERHEAD_BYTES))) {
      refuse(ticket.refusal());
      return;
    }
    let bytes = 0;
    const state: UploadState = {
      files: 0,
      get refused() {
        return refused;
      },
      refuse,
      track: (file) => ticket.track(file),
      take(more, fileBytes) {
        bytes += more;
        let err: Error | undefined;
        if (fileBytes > max) err = tooLarge(max, 'file');
        else if (bytes > max) err = tooLarge(max, 'upload');
        else if (ticket.add(more)) err = ticket.refusal();
        return err;
      },
    };
    requestState.set(req, state);
    // The raw body (framing and fields included), chunked or sized: bounded like the files.
    let raw = 0;
    req.on('data', (chunk: Buffer) => {
      raw += chunk.length;
      if (raw > max + MULTIPART_OVERHEAD_BYTES) refuse(tooLarge(max, 'upload'));
    });
    receive(req, res, (err?: unknown) => {
      if (answered) {
        // Answered already; files stored after the refusal go too.
        if (err === undefined) void removeFiles(req);
        return;
      }
      answered = true;
      // multer passes its own errors on only once the whole body was read (bounded by the count above).
      if (err !== undefined && isClientGone(err, req)) next(new ClientGoneError('The client went away before the upload was complete.'));
      else if (isMalformedBody(err)) next(badRequest(`The upload is not valid multipart form data (${err.message}).`, 'file'));
      else next(err);
    });
  };
}

interface UploadState extends UploadLimits {
  /** Files seen so far (checked against MAX_FILES_PER_UPLOAD). */
  files: number;
}

async function removeFiles(req: Request): Promise<void> {
  const files = Array.isArray(req.files) ? req.files : [];
  await Promise.all(files.map((f) => fs.rm(f.path, { force: true })));
}

/** Hands the received files to the document service; deletes them when anything fails. */
export async function receiveUpload(req: Request, documents: DocumentService, collectionId?: string): Promise<UploadResult[]> {
  const files = Array.isArray(req.files) ? req.files : [];
  try {
    if (files.length === 0) throw badRequest('Choose a file to upload.', 'file');
    const empty = files.find((f) => f.size === 0);
    if (empty) throw badRequest(`"${empty.originalname}" is empty: choose a file with content.`, 'file');
    const uploaded = files.map((f) => ({ tempPath: f.path, originalName: f.originalname, size: f.size }));
    return await (collectionId === undefined ? documents.upload(uploaded) : documents.upload(uploaded, { collectionId }));
  } catch (err) {
    // Cleanup only; the error still goes to the error middleware.
    await removeFiles(req);
    throw err;
  }
}
