/**
 * `npm run backup -- DIR`: a consistent copy of everything Docent keeps, taken while it runs.
 *
 * Order, and why (each step reads a later state than the one before it):
 * 1. chats, analytics, accounts and any other database of DATA_DIR (SQLite online backup,
 *    sqlite-copy.ts): every answer they record was made from passages that were indexed before.
 * 2. the live index version of every collection (index-copy.ts).
 * 3. the document registry (documents.db): a document the copied index holds was registered before
 *    its passages were indexed, so the registry copy lists it.
 * 4. the rest of DATA_DIR: stored uploads (a registered document's file was stored before its row),
 *    the session secret, anything else (not tmp/, nor the databases' -wal/-shm files).
 * 5. the registry copy is reconciled with the index copy (reconcile.ts): a document indexed or
 *    queued while the backup ran is marked failed with a reason to upload it again, so the restored
 *    registry never promises passages the restored index lacks.
 * 6. manifest.json (manifest.ts) is written last: a folder without it is not a backup.
 * What a restore loses is the work done while the backup ran: answers and votes after step 1,
 * documents that finished ingesting after step 2 (listed as failed, see 5).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { copyIndexes } from './index-copy.ts';
import { BACKUP_FORMAT, describeFiles, MANIFEST_FILE, type BackupManifest } from './manifest.ts';
import { reconcileRegistry } from './reconcile.ts';
import { RUNNING_DIR } from './running-marker.ts';
import { copySqlite } from './sqlite-copy.ts';

export const REGISTRY_DB = 'documents.db';
/** Databases copied first, in this order; any other *.db of DATA_DIR follows them. */
const FIRST_DBS = ['chats.db', 'analytics.db', 'accounts.db'];
/** Never copied: upload temp files, running markers, SQLite's side files (folded into the copies). */
const SKIP_DIRS = new Set(['tmp', RUNNING_DIR]);
const SKIP_FILE = /(\.db|\.db-wal|\.db-shm|\.db-journal)$/;

export interface BackupOptions {
  data: string;
  vectorstore: string;
  dest: string;
  docentVersion: string;
  /** Called after each step, for the CLI's progress lines. */
  onStep?: (step: string) => void;
}

async function assertEmptyDest(dest: string, sources: string[]): Promise<void> {
  const abs = path.resolve(dest);
  for (const s of sources) {
    const rel = path.relative(path.resolve(s), abs);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw new Error(`the backup folder ${abs} is inside ${s}, which it backs up; choose a folder outside it`);
  }
  const entries = await fs.readdir(abs).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  if (entries.length > 0) throw new Error(`the backup folder ${abs} is not empty; choose a new or empty folder`);
  await fs.mkdir(abs, { recursive: true });
}

async function databases(data: string): Promise<string[]> {
  const all = (await fs.readdir(data).catch(() => [] as string[])).filter((f) => f.endsWith('.db') && f !== REGISTRY_DB).sort();
  return [...FIRST_DBS.filter((f) => all.includes(f)), ...all.filter((f) => !FIRST_DBS.includes(f))];
}

/** Copies DATA_DIR's plain files (not databases, temp files or markers); a file deleted meanwhile is skipped. */
async function copyPlainFiles(from: string, to: string): Promise<void> {
  const entries = await fs.readdir(from, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const src = path.join(from, e.name);
    if (e.isDirectory()) {
      await copyPlainFiles(src, path.join(to, e.name));
    } else if (e.isFile() && !SKIP_FILE.test(e.name)) {
      await fs.mkdir(to, { recursive: true });
      await fs.copyFile(src, path.join(to, e.name)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    }
  }
}

export async function backup(opts: BackupOptions): Promise<BackupManifest> {
  const startedAt = new Date().toISOString();
  const step = opts.onStep ?? (() => undefined);
  const dest = path.resolve(opts.dest);
  await assertEmptyDest(dest, [opts.data, opts.vectorstore]);
  const destData = path.join(dest, 'data');
  await fs.mkdir(destData, { recursive: true });
  for (const db of await databases(opts.data)) {
    await copySqlite(path.join(opts.data, db), path.join(destData, db));
    step(`copied ${db}`);
  }
  const index = await copyIndexes(opts.vectorstore, path.join(dest, 'vectorstore'));
  step(`copied the index (${Object.keys(index.versions).length} collections, ${index.documents.size} documents)`);
  const registrySrc = path.join(opts.data, REGISTRY_DB);
  const hasRegistry = await fs.access(registrySrc).then(() => true, () => false);
  if (hasRegistry) {
    await copySqlite(registrySrc, path.join(destData, REGISTRY_DB));
    step(`copied ${REGISTRY_DB}`);
  }
  // Top-level skip list applies to DATA_DIR's own tmp/ and marker folder only.
  for (const e of await fs.readdir(opts.data, { withFileTypes: true }).catch(() => [])) {
    if (SKIP_DIRS.has(e.name)) continue;
    const src = path.join(opts.data, e.name);
    if (e.isDirectory()) await copyPlainFiles(src, path.join(destData, e.name));
    else if (e.isFile() && !SKIP_FILE.test(e.name)) await fs.copyFile(src, path.join(destData, e.name));
  }
  step('copied uploads and other files');
  const reconciled = hasRegistry ? reconcileRegistry(path.join(destData, REGISTRY_DB), index.documents) : [];
  if (reconciled.length > 0) step(`marked ${reconciled.length} documents ingested during the backup as failed or ready`);
  const files = await describeFiles(dest);
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    docentVersion: opts.docentVersion,
    startedAt,
    finishedAt: new Date().toISOString(),
    source: { data: path.resolve(opts.data), vectorstore: path.resolve(opts.vectorstore) },
    indexVersions: index.versions,
    reconciled,
    files,
  };
  const tmp = path.join(dest, `${MANIFEST_FILE}.tmp`);
  await fs.writeFile(tmp, JSON.stringify(manifest, null, 2));
  await fs.rename(tmp, path.join(dest, MANIFEST_FILE));
  return manifest;
}
