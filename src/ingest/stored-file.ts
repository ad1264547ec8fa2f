/**
 * Opens a stored upload for its parse: its media type, judged from the content as it streams from
 * disk, and what the parser reads: the bytes when they are small or read in this process, else the
 * path alone, which a parse child reads itself. A 20 MB upload then never sits in this process's
 * memory (the web's too, in `npm start`), nor in the channel to the child.
 */
import fs from 'node:fs/promises';
import type { IngestJob, MediaType } from '../contracts/ingest.ts';
import { AppError } from '../errors.ts';
import { detectMediaTypeAsync } from './detect-type.ts';
import type { ParseInput } from './parse-document.ts';
import { sniffFile } from './sniff-file.ts';

export interface StoredFile {
  input: ParseInput;
  type: MediaType;
}

export interface OpenStoredOptions {
  /** Reads the stored file whole (tests); then the bytes are always what the parser gets. */
  readFile?: (path: string) => Promise<Uint8Array>;
  /** Whether the parser needs the bytes here (an in-process parse), given the type and size. */
  wantsBytes: (type: MediaType, size: number) => boolean;
}

function missing(job: IngestJob, err: unknown): AppError {
  // Retrying cannot bring back a file that is gone (or was stored on another machine).
  return new AppError(`the stored file for "${job.name}" is missing (${job.storedPath}); upload it again`, { code: 'file_missing', cause: err });
}

async function orMissing<T>(job: IngestJob, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(job, err);
    throw err;
  }
}

export async function openStored(job: IngestJob, opts: OpenStoredOptions): Promise<StoredFile> {
  if (opts.readFile) {
    const bytes = await orMissing(job, opts.readFile(job.storedPath));
    return { input: bytes, type: await detectMediaTypeAsync(bytes, job.name) };
  }
  const { size } = await orMissing(job, fs.stat(job.storedPath));
  const type = await orMissing(job, sniffFile(job.storedPath, job.name));
  if (!opts.wantsBytes(type, size)) return { input: { path: job.storedPath }, type };
  return { input: await orMissing(job, fs.readFile(job.storedPath)), type };
}
