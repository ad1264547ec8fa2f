/**
 * manifest.json of a backup: what wrote it, when, from which folders, and every file with its size
 * and sha256, so a restore checks the whole backup before it touches anything. Paths are relative
 * to the backup folder and use `/`; `data/` holds DATA_DIR's files, `vectorstore/` VECTORSTORE_DIR's.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const BACKUP_FORMAT = 1;
export const MANIFEST_FILE = 'manifest.json';

export const backupManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  /** Docent's package version that wrote the backup. */
  docentVersion: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  source: z.object({ data: z.string(), vectorstore: z.string() }),
  /** The live index version of each collection at the moment it was copied. */
  indexVersions: z.record(z.string(), z.string()),
  /** Documents whose registry status was corrected to match the copied index (reconcile.ts). */
  reconciled: z.array(z.object({ id: z.string(), from: z.string(), to: z.string() })),
  files: z.array(z.object({ path: z.string(), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;
export type ManifestFile = BackupManifest['files'][number];

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `root`, relative with `/`, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** Size and sha256 of every file under the backup folder but the manifest itself. */
export async function describeFiles(root: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const rel of await listFiles(root)) {
    if (rel === MANIFEST_FILE) continue;
    const abs = path.join(root, rel);
    files.push({ path: rel, size: (await fs.stat(abs)).size, sha256: await sha256File(abs) });
  }
  return files;
}

/**
 * Reads and checks a backup: the manifest parses, every listed file exists with its size and
 * sha256, and no file is there that the manifest does not list. Throws with every problem named.
 */
export async function verifyBackup(root: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = backupManifestSchema.parse(JSON.parse(await fs.readFile(path.join(root, MANIFEST_FILE), 'utf8')));
  } catch (err) {
    throw new Error(`${root} is not a Docent backup, or its ${MANIFEST_FILE} is damaged: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`, { cause: err });
  }
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    if (f.path.split('/').includes('..') || path.isAbsolute(f.path)) {
      problems.push(`${f.path}: not a path inside the backup`);
      continue;
    }
    const abs = path.join(root, f.path);
    const size = await fs.stat(abs).then((s) => s.size, () => null);
    if (size === null) problems.push(`${f.path}: missing`);
    else if (size !== f.size) problems.push(`${f.path}: ${size} bytes, the manifest says ${f.size}`);
    else if ((await sha256File(abs)) !== f.sha256) problems.push(`${f.path}: content changed (sha256 differs from the manifest)`);
  }
  for (const rel of await listFiles(root)) if (rel !== MANIFEST_FILE && !listed.has(rel)) problems.push(`${rel}: not listed in the manifest`);
  if (problems.length > 0) {
    throw new Error(`the backup in ${root} is damaged; nothing was restored:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
  }
  return manifest;
}
