/**
 * Where uploaded files go while a request arrives: a multer storage engine that streams each file
 * to <data>/tmp/upload-<uuid> (the user's file name is never a path) and counts its bytes as they
 * arrive, whether the body is chunked or sized. Each chunk is checked against the upload's limits
 * (see UploadLimits) before it is written; a refused file is removed at once and the rest of its
 * part is read and thrown away, so memory holds a chunk at a time and disk never more than allowed.
 *
 * Temp files left behind by a crash are removed at start-up (removeStaleUploads).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Request } from 'express';
import type multer from 'multer';

/** Prefix of every upload temp file. */
export const TEMP_PREFIX = 'upload-';

/** What the engine asks of the request it stores files for. */
export interface UploadLimits {
  /**
   * Counts `bytes` more of the current file (now `fileBytes` long); returns the error to refuse
   * the upload with when a limit is passed.
   */
  take(bytes: number, fileBytes: number): Error | undefined;
  /** Answers the request with `err` at once (called once the refused file is removed). */
  refuse(err: Error): void;
  /** Set once the upload was refused: later files are not stored. */
  readonly refused: Error | undefined;
  /** Registers a temp file of this upload (the storage quota leaves it out of its measure). */
  track(file: string): void;
}

export function countingDiskStorage(dir: string, limitsOf: (req: Request) => UploadLimits): multer.StorageEngine {
  return {
    _handleFile(req, file, cb) {
      const limits = limitsOf(req);
      const stream = file.stream;
      if (limits.refused) {
        stream.resume();
        cb(limits.refused);
        return;
      }
      const tempPath = path.join(dir, `${TEMP_PREFIX}${randomUUID()}`);
      limits.track(tempPath);
      let size = 0;
      let done = false;
      let ended = false;
      const out = createWriteStream(tempPath, { flags: 'wx' });

      /** `refuse`: a limit was passed, so the request is answered once the file is gone. */
      const fail = (err: Error, refuse = false): void => {
        if (done) return;
        done = true;
        stream.off('data', onData);
        // The rest of the part must still be read, or the multipart parser (and the request) stalls.
        stream.resume();
        const remove = (): void => {
          const settle = (): void => {
            if (refuse) limits.refuse(err);
            cb(err);
          };
          fs.rm(tempPath, { force: true }).then(settle, settle);
        };
        if (out.closed) remove();
        else {
          out.once('close', remove);
          out.destroy();
        }
      };
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (limits.refused) {
          fail(limits.refused);
          return;
        }
        const over = limits.take(chunk.length, size);
        if (over) {
          fail(over, true);
          return;
        }
        if (!out.write(chunk)) {
          stream.pause();
          out.once('drain', () => {
            if (!done) stream.resume();
          });
        }
      };
      stream.on('data', onData);
      stream.once('end', () => {
        ended = true;
        if (!done) out.end();
      });
      // A request that breaks off mid-file (client gone) closes the part without an end.
      stream.once('close', () => {
        if (!ended) fail(new Error('Request aborted'));
      });
      stream.once('error', (err: Error) => fail(err));
      out.once('error', (err: Error) => fail(err));
      out.once('close', () => {
        if (done || !out.writableFinished) return;
        done = true;
        cb(null, { destination: dir, filename: path.basename(tempPath), path: tempPath, size });
      });
    },
    _removeFile(_req, file, cb) {
      fs.rm(file.path, { force: true }).then(() => cb(null), (err: Error) => cb(err));
    },
  };
}

/**
 * Removes upload temp files left in `dir` by a crash or a kill mid-upload. Run at start-up, before
 * the web takes uploads, so every such file is stale. Returns how many were removed.
 */
export async function removeStaleUploads(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const stale = entries.filter((e) => e.isFile() && e.name.startsWith(TEMP_PREFIX));
  await Promise.all(stale.map((e) => fs.rm(path.join(dir, e.name), { force: true })));
  return stale.length;
}
