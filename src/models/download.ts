/**
 * Resumable, verified file download over HTTP(S).
 *
 * Bytes go to `<dest>.part`; an existing .part is resumed with an HTTP Range request (a server
 * that ignores the range answers 200 and the file restarts from zero). Only a complete file,
 * checked against its sha256 when one is given, is renamed onto `dest`, so `dest` never holds
 * half a model. Errors say what happened: an HTTP status, or that the host cannot be reached.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError, UnavailableError } from '../errors.ts';
import { sha256File } from '../llm/file-hash.ts';

export interface DownloadProgress {
  /** Bytes of the file on disk so far, resumed bytes included. */
  received: number;
  /** Size of the whole file, when the server says. */
  total: number | undefined;
  /** Bytes that came from an earlier, interrupted attempt. */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Lower-case hex sha256 the finished file must have; the file is discarded when it differs. */
  sha256?: string;
  /** Size in bytes the finished file must have (a resumed file that grew past it is discarded). */
  size?: number;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadResult {
  dest: string;
  bytes: number;
  resumedFrom: number;
}

/** Error code of an unreachable host (DNS failure, refused or reset connection, TLS failure). */
export const UNREACHABLE = 'unreachable';

export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const part = `${opts.dest}.part`;
  await fsp.mkdir(path.dirname(opts.dest), { recursive: true });
  let offset = await sizeOf(part);

  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const res = await request(opts.url, headers, opts.signal);

  let total: number | undefined;
  if (res.status === 416 && offset > 0) {
    // Nothing left to send: the .part is already whole (or stale; the size check below decides).
    total = totalFromContentRange(res.headers.get('content-range'));
    await res.body?.cancel();
    if (total !== offset) {
      await fsp.rm(part, { force: true });
      return downloadFile(opts);
    }
  } else if (res.status === 206 && offset > 0) {
    total = totalFromContentRange(res.headers.get('content-range'));
    const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
    if (Number(start) !== offset) {
      await res.body?.cancel();
      throw new AppError(`${opts.url}: the server resumed at byte ${start ?? '?'} instead of ${offset}`, { code: 'download_failed', retryable: true });
    }
  } else if (res.status === 200) {
    offset = 0;
    const len = res.headers.get('content-length');
    total = len === null ? undefined : Number(len);
  } else {
    await res.body?.cancel();
    throw httpError(opts.url, res.status, res.statusText);
  }

  if (res.status !== 416) {
    if (!res.body) throw new AppError(`${opts.url}: empty response body`, { code: 'download_failed', retryable: true });
    const resumedFrom = offset;
    let received = offset;
    opts.onProgress?.({ received, total, resumedFrom });
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        opts.onProgress?.({ received, total, resumedFrom });
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        counter,
        fs.createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }),
      );
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new UnavailableError(`${opts.url}: the download was cut off after ${received} bytes; run again to resume`, {
        code: UNREACHABLE,
        cause: err,
      });
    }
  }

  const bytes = await sizeOf(part);
  if (total !== undefined && bytes !== total) {
    throw new UnavailableError(`${opts.url}: got ${bytes} of ${total} bytes; run again to resume`, { code: UNREACHABLE });
  }
  const name = path.basename(opts.dest);
  if (opts.size !== undefined && bytes !== opts.size) {
    await fsp.rm(part, { force: true });
    throw new AppError(`${name}: downloaded ${bytes} bytes from ${opts.url}, but the pinned file has ${opts.size}; the download was discarded, run again to fetch it anew`, {
      code: 'checksum_mismatch',
    });
  }
  if (opts.sha256) {
    // The whole file is hashed, resumed bytes included: a .part left by an earlier run counts too.
    const got = await sha256File(part);
    if (got !== opts.sha256.toLowerCase()) {
      await fsp.rm(part, { force: true });
      throw new AppError(`${name}: sha256 ${got} of the download from ${opts.url} does not match the pinned ${opts.sha256}; the file was discarded, run again to fetch it anew`, {
        code: 'checksum_mismatch',
      });
    }
  }
  await fsp.rename(part, opts.dest);
  return { dest: opts.dest, bytes, resumedFrom: offset };
}

async function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow', signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new UnavailableError(`cannot reach ${new URL(url).host} (${why})`, { code: UNREACHABLE, cause: err });
  }
}

function httpError(url: string, status: number, statusText: string): AppError {
  const what = `HTTP ${status}${statusText ? ` ${statusText}` : ''} for ${url}`;
  if (status === 401 || status === 403) {
    return new AppError(`${what}: the file needs an account or licence acceptance on the server`, { code: 'download_forbidden' });
  }
  if (status === 404) return new AppError(`${what}: no such file`, { code: 'download_not_found' });
  if (status === 429 || status >= 500) return new UnavailableError(`${what}: try again later`, { code: 'download_unavailable' });
  return new AppError(what, { code: 'download_failed' });
}

function totalFromContentRange(v: string | null): number | undefined {
  const m = /\/(\d+)\s*$/.exec(v ?? '');
  return m ? Number(m[1]) : undefined;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}
