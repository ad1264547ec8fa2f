/**
 * Copies the live index version of every collection (retrieval/faiss-files.ts layout): read the
 * collection's CURRENT, copy that version's folder, write CURRENT into the copy. Versions are never
 * modified once CURRENT names them, so no lock is needed; but the save after a version prunes it,
 * possibly while it is being copied (a file gone, or a listing already missing some). So a copy
 * counts when CURRENT still names its version afterwards (it cannot have been pruned then), or when
 * it holds every file a version needs (a file once opened is copied whole; a missing
 * lexical.sqlite is rebuilt on load); otherwise it starts over with the version CURRENT names now.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { collectionIdSchema } from '../contracts/collection.ts';
import { COLLECTIONS_SUBDIR } from '../retrieval/collection-stores.ts';
import { CURRENT_FILE, FILES, readCurrent } from '../retrieval/faiss-files.ts';

const ATTEMPTS = 5;

export interface CopiedIndex {
  /** Collection folder relative to VECTORSTORE_DIR ('' for General) -> the version copied. */
  versions: Record<string, string>;
  /** Document ids that have passages in the copied index of some collection. */
  documents: Set<string>;
}

async function collectionDirs(root: string): Promise<string[]> {
  const dirs = [''];
  const entries = await fs.readdir(path.join(root, COLLECTIONS_SUBDIR)).catch(() => [] as string[]);
  for (const e of entries.sort()) if (collectionIdSchema.safeParse(e).success) dirs.push(`${COLLECTIONS_SUBDIR}/${e}`);
  return dirs;
}

async function copyVersion(srcDir: string, destDir: string): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    const version = await readCurrent(srcDir);
    if (version === null) return null;
    const dest = path.join(destDir, version);
    try {
      await fs.cp(path.join(srcDir, version), dest, { recursive: true, errorOnExist: true, force: false });
      if ((await readCurrent(srcDir)) === version || (await complete(dest))) {
        await fs.writeFile(path.join(destDir, CURRENT_FILE), `${version}\n`);
        return version;
      }
      await fs.rm(dest, { recursive: true, force: true });
    } catch (err) {
      await fs.rm(dest, { recursive: true, force: true });
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= ATTEMPTS) throw err;
    }
    if (attempt >= ATTEMPTS) throw new Error(`the index in ${srcDir} changed during each of ${ATTEMPTS} copies; run the backup again`);
  }
}

/** The files a version cannot be loaded without. */
async function complete(dir: string): Promise<boolean> {
  const required = [FILES.index, FILES.chunks, FILES.vectors, FILES.manifest];
  return (await Promise.all(required.map((f) => fs.access(path.join(dir, f)).then(() => true, () => false)))).every(Boolean);
}

export async function copyIndexes(root: string, destRoot: string): Promise<CopiedIndex> {
  const out: CopiedIndex = { versions: {}, documents: new Set() };
  for (const rel of await collectionDirs(root)) {
    const destDir = path.join(destRoot, rel);
    await fs.mkdir(destDir, { recursive: true });
    const version = await copyVersion(path.join(root, rel), destDir);
    if (version === null) continue;
    out.versions[rel] = version;
    const manifest = JSON.parse(await fs.readFile(path.join(destDir, version, FILES.manifest), 'utf8')) as { documents: Array<{ documentId: string }> };
    for (const d of manifest.documents) out.documents.add(d.documentId);
  }
  return out;
}
