/**
 * Distinct small text files for `npm run bench:ingest`'s many-small-files case: each is 1-2 KB of
 * sentences drawn (seeded, so every run writes the same files) from the squad-dev contexts, under a
 * title line of its own, so no two files share a content hash.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** The sentences of the squad-dev documents, 40-400 characters each. */
async function sentences(docsDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of (await fs.readdir(docsDir)).filter((n) => n.endsWith('.txt')).sort()) {
    const text = await fs.readFile(path.join(docsDir, f), 'utf8');
    for (const s of text.split(/(?<=[.!?])\s+/)) {
      const t = s.replace(/\s+/g, ' ').trim();
      if (t.length >= 40 && t.length <= 400) out.push(t);
    }
  }
  if (out.length < 100) throw new Error(`too few sentences in ${docsDir} to make distinct files`);
  return out;
}

/** Writes `count` files of 1-2 KB into `dir`; returns their paths in order. */
export async function writeSmallFiles(dir: string, count: number, docsDir: string): Promise<string[]> {
  const pool = await sentences(docsDir);
  let seed = 20_240_611;
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const target = 1024 + next(1024);
    const parts = [`Note ${i + 1}`];
    let size = parts[0]!.length;
    while (size < target - 40) {
      const s = pool[next(pool.length)]!;
      if (size + s.length + 1 > 2048) break;
      parts.push(s);
      size += s.length + 1;
    }
    const file = path.join(dir, `note-${String(i + 1).padStart(5, '0')}.txt`);
    await fs.writeFile(file, parts.join('\n'));
    files.push(file);
  }
  return files;
}
