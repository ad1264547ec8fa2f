/**
 * Receiving uploads: multer streams each part of field `file` to a temp file under
 * <data>/tmp with a random name (the user's file name is never used as a path), bounded by
 * MAX_UPLOAD_MB per file (-> 413 via the error middleware; multer removes partial files itself).
 * The document service then moves or deletes the temp files; if it refuses them, we delete them.
 *
 * Too large is refused before the body is read: a request whose Content-Length exceeds the limit
 * (plus room for the multipart framing) gets 413 at once, with `Connection: close` so Node does
 * not read and discard the rest of the body to reuse the connection. So MAX_UPLOAD_MB bounds each
 * file and each upload request. Chunked requests (no Content-Length) are bounded per file by
 * multer's fileSize limit while streaming.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { Config } from '../config.ts';
import { badRequest, HttpError } from './http-error.ts';
import type { DocumentService, UploadResult } from './services.ts';

/** Most files one request may carry. */
export const MAX_FILES_PER_UPLOAD = 20;

/**
 * Room for the multipart framing around the files (boundaries, part headers, small form fields)
 * on top of MAX_UPLOAD_MB, so a file just under the limit is never refused for its envelope.
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** The upload limit in MB as people read it (e.g. "50 MB"). */
export function describeLimit(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** 413 from the announced length alone, before a byte of the body is read. */
export function contentLengthGuard(maxUploadBytes: number): RequestHandler {
  return (req, res, next) => {
    const announced = Number(req.get('content-length'));
    if (Number.isFinite(announced) && announced > maxUploadBytes + MULTIPART_OVERHEAD_BYTES) {
      res.setHeader('Connection', 'close');
      next(new HttpError(413, `The upload is too large: the limit is ${describeLimit(maxUploadBytes)} per file and per upload. Upload big files one at a time.`, { field: 'file' }));
      return;
    }
    next();
  };
}

export function uploadMiddleware(config: Config): RequestHandler {
  const guard = contentLengthGuard(config.web.maxUploadBytes);
  const dir = path.join(config.paths.data, 'tmp');
  const storage = multer.diskStorage({
    destination: (_req, _file, cb) => {
      fs.mkdir(dir, { recursive: true }).then(() => cb(null, dir), (err: Error) => cb(err, dir));
    },
    filename: (_req, _file, cb) => cb(null, `upload-${randomUUID()}`),
  });
  const receive = multer({
    storage,
    // Browsers send UTF-8 file names; busboy's default (latin1) would garble non-ASCII names.
    defParamCharset: 'utf8',
    limits: { fileSize: config.web.maxUploadBytes, files: MAX_FILES_PER_UPLOAD, fields: 10 },
  }).array('file', MAX_FILES_PER_UPLOAD);
  return (req, res, next) => {
    guard(req, res, (err?: unknown) => {
      if (err !== undefined) return next(err);
      receive(req, res, (multerErr?: unknown) => {
        // multer drains the rest of an oversized body; closing after the 413 stops reading it.
        if (multerErr instanceof multer.MulterError && multerErr.code === 'LIMIT_FILE_SIZE') res.setHeader('Connection', 'close');
        next(multerErr);
      });
    });
  };
}

/** Hands the received files to the document service; deletes them when anything fails. */
export async function receiveUpload(req: Request, documents: DocumentService): Promise<UploadResult[]> {
  const files = Array.isArray(req.files) ? req.files : [];
  try {
    if (files.length === 0) throw badRequest('Choose a file to upload.', 'file');
    const empty = files.find((f) => f.size === 0);
    if (empty) throw badRequest(`"${empty.originalname}" is empty: choose a file with content.`, 'file');
    return await documents.upload(files.map((f) => ({ tempPath: f.path, originalName: f.originalname, size: f.size })));
  } catch (err) {
    // Cleanup only; the error still goes to the error middleware.
    await Promise.all(files.map((f) => fs.rm(f.path, { force: true })));
    throw err;
  }
}
