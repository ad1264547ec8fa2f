/**
 * `npm run restore -- DIR [--force]`: puts a backup (backup.ts) back into DATA_DIR and
 * VECTORSTORE_DIR. Before anything is written: the whole backup is verified against its manifest
 * (sizes and sha256), and the target folders must have no live Docent process (running-marker.ts)
 * and be empty, unless `--force`, which first empties them. Each collection's CURRENT is written
 * after its version folder, so an interrupted restore never names a half-copied version.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CURRENT_FILE } from '../retrieval/faiss-files.ts';
import { verifyBackup, type BackupManifest } from './manifest.ts';
import { liveMarkers, RUNNING_DIR } from './running-marker.ts';

export interface RestoreOptions {
  from: string;
  data: string;
  vectorstore: string;
  force: boolean;
}

/** What a folder holds that a restore would overwrite (running markers of stopped processes do not count). */
async function contents(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  return entries.filter((e) => e !== RUNNING_DIR);
}

async function checkTarget(dir: string, force: boolean): Promise<void> {
  const live = liveMarkers(dir);
  if (live.length > 0) throw new Error(`Docent is running on ${dir} (${live.join('; ')}); stop it before restoring`);
  const held = await contents(dir);
  if (held.length > 0 && !force) {
    throw new Error(`${dir} is not empty (${held.slice(0, 5).join(', ')}${held.length > 5 ? ', …' : ''}); restore into an empty folder, or add --force to replace what it holds`);
  }
}

export async function restore(opts: RestoreOptions): Promise<BackupManifest> {
  const from = path.resolve(opts.from);
  const manifest = await verifyBackup(from);
  const targets = [{ dir: path.resolve(opts.data), sub: 'data' }, { dir: path.resolve(opts.vectorstore), sub: 'vectorstore' }];
  for (const t of targets) await checkTarget(t.dir, opts.force);
  for (const t of targets) {
    for (const e of await contents(t.dir)) await fs.rm(path.join(t.dir, e), { recursive: true, force: true });
    await fs.mkdir(t.dir, { recursive: true });
  }
  const currents: ManifestPaths = [];
  for (const f of manifest.files) {
    const [sub, ...rest] = f.path.split('/');
    const target = targets.find((t) => t.sub === sub);
    if (!target) continue;
    const dest = path.join(target.dir, ...rest);
    if (rest.at(-1) === CURRENT_FILE) {
      currents.push({ src: path.join(from, f.path), dest });
      continue;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(path.join(from, f.path), dest);
  }
  for (const c of currents) {
    await fs.mkdir(path.dirname(c.dest), { recursive: true });
    await fs.copyFile(c.src, c.dest);
  }
  return manifest;
}

type ManifestPaths = Array<{ src: string; dest: string }>;
