/**
 * MAX_STORAGE_MB: a bound on the bytes Docent keeps on disk for documents, the uploads directory
 * plus the upload temp dir. Each upload request opens a ticket: the directories are measured then
 * (temp files of uploads still arriving are left out of that measure), and the bytes of every
 * upload in flight in this process are added as they arrive, so concurrent uploads count against
 * one budget. An upload that would take the total past the bound is refused with 507 and a message
 * naming the setting and what is used. Files moved or removed by other processes (the ingest
 * worker deleting a document) are seen at the next ticket.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from './http-error.ts';

const MB = 1024 * 1024;

export interface QuotaTicket {
  /** Counts `bytes` more of this upload; true when the total is now past the bound. */
  add(bytes: number): boolean;
  /** Whether `bytes` more would take the total past the bound. */
  wouldExceed(bytes: number): boolean;
  /** A temp file of this upload: left out of other tickets' measure (its bytes are counted as they arrive). */
  track(file: string): void;
  /** The 507 to answer, naming what is used without this upload. */
  refusal(): HttpError;
  /** The upload is over (stored, refused or abandoned): its bytes no longer count as in flight. Idempotent. */
  release(): void;
}

export class StorageQuota {
  private inFlight = 0;
  private readonly writing = new Set<string>();

  constructor(private readonly opts: { maxBytes: number; dirs: readonly string[] }) {}

  /** Bytes of the files directly inside the directories, leaving out temp files still being written. */
  async stored(): Promise<number> {
    let total = 0;
    for (const dir of this.opts.dirs) {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const file = path.join(dir, e.name);
        if (!e.isFile() || this.writing.has(file)) continue;
        total += await fs.stat(file).then((s) => s.size, () => 0);
      }
    }
    return total;
  }

  async open(): Promise<QuotaTicket> {
    const base = await this.stored();
    let own = 0;
    let released = false;
    const files: string[] = [];
    const used = () => base + this.inFlight;
    return {
      add: (bytes) => {
        if (released) return false;
        own += bytes;
        this.inFlight += bytes;
        return used() > this.opts.maxBytes;
      },
      wouldExceed: (bytes) => used() + bytes > this.opts.maxBytes,
      track: (file) => {
        files.push(file);
        this.writing.add(file);
      },
      refusal: () => storageFull(used() - own, this.opts.maxBytes),
      release: () => {
        if (released) return;
        released = true;
        this.inFlight -= own;
        for (const f of files) this.writing.delete(f);
      },
    };
  }
}

/**
 * For a file already written into one of the quota's directories (a fetched web page): throws the
 * 507 when the stored total, that file included, is past the bound.
 */
export async function assertStoredWithin(quota: StorageQuota): Promise<void> {
  const ticket = await quota.open();
  try {
    if (ticket.wouldExceed(0)) throw ticket.refusal();
  } finally {
    ticket.release();
  }
}

/** 507 Insufficient Storage, naming the setting and how much is used. */
export function storageFull(usedBytes: number, maxBytes: number): HttpError {
  const used = Math.round(usedBytes / MB).toLocaleString('en-US');
  const max = Math.round(maxBytes / MB);
  return new HttpError(507, `Docent's storage is full (${used} MB of MAX_STORAGE_MB=${max}): delete documents or raise the limit.`, { field: 'file' });
}
