/**
 * The watched inbox (WATCH_INBOX=true): files put into INGEST_INBOX are ingested, changed ones
 * re-ingested, deleted ones leave the index, renamed ones keep their document. It runs in the web
 * process, which owns the document registry; each file goes through the document service as an
 * upload of a copy (the inbox file stays where it is), into General.
 *
 * The registry remembers each file (path relative to the inbox -> document id, size, mtime;
 * source-registry.ts), so a restart reconciles the folder against it and ingests only what changed
 * meanwhile. A scan compares the folder with that memory:
 *   - a new or changed file is taken once its size and mtime have stayed the same for `settleMs`
 *     (a file still being copied in is left alone until then);
 *   - a changed file gives a new document (id = sha256 of the content); the old one is deleted when
 *     no other source names it;
 *   - a file gone is forgotten, and its document deleted when nothing else names it. Deletions wait
 *     until no new file is settling, so a rename (old path gone, new path there) finds the same
 *     content under the new path first and keeps the document (upload reports it a duplicate).
 * Scans run on fs.watch events (recursive; debounced) and every `rescanMs` as a safety net (events
 * can be lost, e.g. on network file systems). One scan runs at a time.
 */
import { randomUUID } from 'node:crypto';
import { watch, type Dirent, type FSWatcher } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DocumentService } from '../ports/document-service.ts';
import type { SourceRegistry } from '../documents/source-registry.ts';

export interface InboxWatcherOptions {
  dir: string;
  documents: DocumentService;
  sources: SourceRegistry;
  /** Where copies are made for the upload (the upload temp dir). */
  tempDir: string;
  logger: Logger;
  /** How long a file's size and mtime must stay the same before it is taken (default 2 s). */
  settleMs?: number;
  /** Full rescans besides the watch events (default 60 s). */
  rescanMs?: number;
}

export interface InboxWatcher {
  /** One reconcile pass now (waits for one already running). */
  scan(): Promise<void>;
  close(): Promise<void>;
}

interface Seen {
  size: number;
  mtimeMs: number;
}

async function walk(dir: string, base = dir, out = new Map<string, Seen>()): Promise<Map<string, Seen>> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, base, out);
    else if (e.isFile()) {
      const st = await fs.stat(full).catch(() => undefined);
      if (st) out.set(path.relative(base, full).split(path.sep).join('/'), { size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return out;
}

export async function startInboxWatcher(opts: InboxWatcherOptions): Promise<InboxWatcher> {
  const settleMs = opts.settleMs ?? 2000;
  const log = opts.logger;
  await fs.mkdir(opts.dir, { recursive: true });
  const settling = new Map<string, Seen & { since: number }>();
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const later = (ms: number): void => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void scan();
    }, ms);
  };

  /** Forgets `documentId`'s source and deletes the document when nothing else names it. */
  const release = async (documentId: string): Promise<void> => {
    if (documentId === '' || opts.sources.countFor(documentId) > 0) return;
    await opts.documents.delete(documentId);
  };

  const take = async (rel: string, seen: Seen): Promise<void> => {
    const before = opts.sources.get('inbox', rel);
    await fs.mkdir(opts.tempDir, { recursive: true });
    const tempPath = path.join(opts.tempDir, `inbox-${randomUUID()}`);
    await fs.copyFile(path.join(opts.dir, rel), tempPath);
    let documentId = '';
    try {
      const [r] = await opts.documents.upload([{ tempPath, originalName: path.basename(rel), size: seen.size }]);
      documentId = r!.id;
      log.info({ file: rel, documentId, duplicate: r!.duplicate }, 'inbox file ingested');
    } catch (err) {
      await fs.rm(tempPath, { force: true });
      // A file Docent cannot read is remembered (as no document), so it is not retried until it changes.
      if (!(err instanceof AppError) || err.retryable) throw err;
      log.warn({ file: rel, reason: err.message }, 'inbox file refused');
    }
    opts.sources.set({ kind: 'inbox', source: rel, documentId, ...seen });
    if (before && before.documentId !== documentId) await release(before.documentId);
  };

  const pass = async (): Promise<void> => {
    const now = Date.now();
    const files = await walk(opts.dir);
    for (const [rel, seen] of files) {
      const known = opts.sources.get('inbox', rel);
      if (known && known.size === seen.size && known.mtimeMs === seen.mtimeMs) {
        settling.delete(rel);
        continue;
      }
      const s = settling.get(rel);
      if (!s || s.size !== seen.size || s.mtimeMs !== seen.mtimeMs) {
        settling.set(rel, { ...seen, since: now });
        continue;
      }
      if (now - s.since < settleMs) continue;
      settling.delete(rel);
      await take(rel, seen).catch((err: unknown) => log.warn({ err, file: rel }, 'inbox file not ingested; retried at the next scan'));
    }
    for (const rel of settling.keys()) if (!files.has(rel)) settling.delete(rel);
    if (settling.size > 0) {
      later(settleMs);
      return;
    }
    for (const row of opts.sources.list('inbox')) {
      if (files.has(row.source)) continue;
      opts.sources.remove('inbox', row.source);
      log.info({ file: row.source, documentId: row.documentId }, 'inbox file gone');
      await release(row.documentId).catch((err: unknown) => log.warn({ err, file: row.source }, 'could not delete the document of a removed inbox file'));
    }
  };

  const scan = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await pass();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(opts.dir, { recursive: true }, () => later(200));
    watcher.on('error', (err) => log.warn({ err }, 'inbox watch failed; the periodic rescan goes on'));
  } catch (err) {
    log.warn({ err }, 'cannot watch the inbox; it is rescanned periodically instead');
  }
  const interval = setInterval(() => void scan(), opts.rescanMs ?? 60_000);
  interval.unref();
  await scan();
  log.info({ dir: opts.dir }, 'watching the inbox');

  return {
    scan,
    async close() {
      if (closed) return;
      closed = true;
      watcher?.close();
      clearInterval(interval);
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
