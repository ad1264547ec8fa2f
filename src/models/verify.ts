/**
 * Checks a model file against its pin (size and sha256, ./catalog.ts) before Docent loads it, so a
 * truncated, corrupted or swapped default model is refused with a message naming the file instead
 * of being run. Hashing the 0.8 GB chat model takes a few seconds, so a file that passed is
 * remembered in `.docent-verified.json` beside it, by size and modification time: a start re-hashes
 * only a file that changed since.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { sha256File } from '../llm/file-hash.ts';
import type { ModelFile } from './catalog.ts';

const CACHE_FILE = '.docent-verified.json';

interface Verified {
  size: number;
  mtimeMs: number;
  sha256: string;
}

async function readCache(dir: string): Promise<Record<string, Verified>> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(path.join(dir, CACHE_FILE), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Verified>) : {};
  } catch {
    return {};
  }
}

function mismatch(f: ModelFile, what: string): AppError {
  return new AppError(
    `${f.dest} is not the pinned ${f.repo}/${f.file} (${what}). It may be cut short, damaged or another file: ` +
      'delete it and run `npm run models:pull` to download it again, or, to run a model of your own, point ' +
      `${f.dest.endsWith('.gguf') ? 'CHAT_MODEL' : 'EMBED_MODEL'} at it.`,
    { code: 'model_mismatch' },
  );
}

/** Resolves when `f.dest` is the pinned file; throws an AppError naming it otherwise. */
export async function verifyModelFile(f: ModelFile): Promise<void> {
  const stat = await fs.stat(f.dest);
  if (stat.size !== f.size) throw mismatch(f, `${stat.size} bytes, expected ${f.size}`);
  const dir = path.dirname(f.dest);
  const key = path.basename(f.dest);
  const cache = await readCache(dir);
  const seen = cache[key];
  if (seen && seen.size === stat.size && seen.mtimeMs === stat.mtimeMs && seen.sha256 === f.sha256) return;
  const got = await sha256File(f.dest);
  if (got !== f.sha256) throw mismatch(f, `sha256 ${got}, expected ${f.sha256}`);
  cache[key] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: got };
  // Only a hint for the next start: a read-only models folder just means hashing again next time.
  await fs.writeFile(path.join(dir, CACHE_FILE), `${JSON.stringify(cache, null, 2)}\n`).catch(() => undefined);
}

/** Checks every file of a model (see verifyModelFile). */
export async function verifyModelFiles(files: readonly ModelFile[]): Promise<void> {
  for (const f of files) await verifyModelFile(f);
}
