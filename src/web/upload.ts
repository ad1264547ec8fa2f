/**
 * Receiving uploads: multer streams each part of field `file` to a temp file under
 * <data>/tmp with a random name (the user's file name is never used as a path), bounded by
 * MAX_UPLOAD_MB per file (-> 413 via the error middleware; multer removes partial files itself).
 * The document service then moves or deletes the temp files; if it refuses them, we delete them.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { Config } from '../config.ts';
import { badRequest } from './http-error.ts';
import type { DocumentService, UploadResult } from './services.ts';

/** Most files one request may carry. */
export const MAX_FILES_PER_UPLOAD = 20;

export function uploadMiddleware(config: Config): RequestHandler {
  const dir = path.join(config.paths.data, 'tmp');
  const storage = multer.diskStorage({
    destination: (_req, _file, cb) => {
      fs.mkdir(dir, { recursive: true }).then(() => cb(null, dir), (err: Error) => cb(err, dir));
    },
    filename: (_req, _file, cb) => cb(null, `upload-${randomUUID()}`),
  });
  return multer({
    storage,
    // Browsers send UTF-8 file names; busboy's default (latin1) would garble non-ASCII names.
    defParamCharset: 'utf8',
    limits: { fileSize: config.web.maxUploadBytes, files: MAX_FILES_PER_UPLOAD, fields: 10 },
  }).array('file', MAX_FILES_PER_UPLOAD);
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
