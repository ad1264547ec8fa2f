/**
 * On-disk layout of the vector store, written so that a crash at any moment leaves a loadable index:
 *
 *   <dir>/CURRENT                  name of the live version (one line), replaced by rename
 *   <dir>/v-<epoch ms>-<n>/        one complete version, never modified after CURRENT names it
 *       index.faiss                FAISS IndexFlatIP (faiss write_index format)
 *       chunks.jsonl               one ChunkRecord per line, line i = FAISS row i
 *       vectors.f32                L2-normalised vectors, float32 little-endian, row after row
 *       manifest.json              StoredManifest (model, dimensions, chunker settings, counts)
 *       lexical.sqlite             the BM25 index of the same chunks (lexical-index.ts, SQLite FTS5);
 *                                  absent in versions written before it existed (rebuilt on load)
 *
 * A version is written in full and fsynced (files, then its directory) before CURRENT is swapped
 * by write-temp + fsync + rename + fsync of the parent. A half-written version directory is never
 * named by CURRENT and is deleted by the next save.
 *
 * `onStep` (SaveStep) is called between the steps of a save. Nothing in the product sets it: it lets
 * a test's writer process stop at each point of a save and be SIGKILLed there, so the crash safety
 * is proven at every step rather than wherever a kill happened to land.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../errors.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import { storedManifestSchema, type StoredManifest } from './index-manifest.ts';

export const CURRENT_FILE = 'CURRENT';
export const FILES = { index: 'index.faiss', chunks: 'chunks.jsonl', vectors: 'vectors.f32', manifest: 'manifest.json', lexical: 'lexical.sqlite' } as const;
const VERSION_RE = /^v-\d+-\d+$/;

let counter = 0;

/**
 * Points between the steps of a save, in order: the version directory exists; index.faiss is
 * written and synced; a part of chunks.jsonl is written (once per part, the file still incomplete);
 * vectors.f32, then manifest.json are written; the version directory is synced; the temp file
 * naming it is written (CURRENT not yet swapped); CURRENT names it.
 */
export type SaveStep = 'version-dir' | 'index' | 'chunks-part' | 'vectors' | 'manifest' | 'version-synced' | 'current-temp' | 'current';
export type SaveStepHook = (step: SaveStep, version: string) => void | Promise<void>;

async function syncPath(p: string): Promise<void> {
  const fh = await fs.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeSynced(p: string, parts: Iterable<string | Uint8Array>, afterPart?: () => void | Promise<void>): Promise<void> {
  const fh = await fs.open(p, 'wx');
  try {
    for (const part of parts) {
      if (typeof part === 'string') await fh.write(part);
      else await fh.write(part);
      await afterPart?.();
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function* jsonLines(chunks: ChunkRecord[], perWrite = 1000): Generator<string> {
  for (let i = 0; i < chunks.length; i += perWrite) {
    yield chunks.slice(i, i + perWrite).map((c) => `${JSON.stringify(c)}\n`).join('');
  }
}

/** The live version's name, or null when none was saved yet. */
export async function readCurrent(dir: string): Promise<string | null> {
  let name: string;
  try {
    name = (await fs.readFile(path.join(dir, CURRENT_FILE), 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // CURRENT only ever holds a name this module wrote; anything else must not become a path.
  if (!VERSION_RE.test(name)) throw new AppError(`${path.join(dir, CURRENT_FILE)} is damaged (holds "${name.slice(0, 40)}")`, { code: 'index_damaged' });
  return name;
}

export interface VersionContent {
  manifest: Omit<StoredManifest, 'version' | 'createdAt'>;
  chunks: ChunkRecord[];
  vectors: Float32Array;
  /** Writes the FAISS index file at the given path. */
  writeIndex: (file: string) => void;
  /** Writes the lexical index file at the given path (synced by writeVersion). */
  writeLexical?: (file: string) => Promise<void>;
}

/** Writes a complete new version directory and fsyncs it; returns its name. CURRENT is untouched. */
export async function writeVersion(dir: string, content: VersionContent, onStep?: SaveStepHook): Promise<string> {
  let name: string;
  for (;;) {
    name = `v-${Date.now()}-${counter++}`;
    try {
      await fs.mkdir(path.join(dir, name));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const vdir = path.join(dir, name);
  const step = async (s: SaveStep) => onStep?.(s, name);
  await step('version-dir');
  const manifest: StoredManifest = { ...content.manifest, version: name, createdAt: Date.now() };
  content.writeIndex(path.join(vdir, FILES.index));
  await syncPath(path.join(vdir, FILES.index));
  await step('index');
  await writeSynced(path.join(vdir, FILES.chunks), jsonLines(content.chunks), () => step('chunks-part'));
  const v = content.vectors;
  await writeSynced(path.join(vdir, FILES.vectors), [new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]);
  await step('vectors');
  if (content.writeLexical) {
    await content.writeLexical(path.join(vdir, FILES.lexical));
    await syncPath(path.join(vdir, FILES.lexical));
  }
  await writeSynced(path.join(vdir, FILES.manifest), [JSON.stringify(manifest, null, 2)]);
  await step('manifest');
  await syncPath(vdir);
  await step('version-synced');
  return name;
}

/** Makes `name` the live version: write temp, fsync, rename over CURRENT, fsync the directory. */
export async function pointCurrent(dir: string, name: string, onStep?: SaveStepHook): Promise<void> {
  const tmp = path.join(dir, `${CURRENT_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  await writeSynced(tmp, [`${name}\n`]);
  await onStep?.('current-temp', name);
  await fs.rename(tmp, path.join(dir, CURRENT_FILE));
  await syncPath(dir);
  await onStep?.('current', name);
}

/** Deletes version directories and temp files not in `keep` (left by older saves or crashes). */
export async function pruneVersions(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(dir)) {
    const stale = (VERSION_RE.test(entry) && !keep.has(entry)) || /^CURRENT\.[0-9a-f]+\.tmp$/.test(entry);
    if (!stale) continue;
    await fs.rm(path.join(dir, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

const damagedVersion = (vdir: string, why: string, cause?: unknown) => new AppError(`index version ${vdir} is damaged: ${why}`, { code: 'index_damaged', cause });

/** A version's manifest.json alone (what built it, which documents it holds), without its vectors. */
export async function readManifest(dir: string, name: string): Promise<StoredManifest> {
  const vdir = path.join(dir, name);
  try {
    return storedManifestSchema.parse(JSON.parse(await fs.readFile(path.join(vdir, FILES.manifest), 'utf8')));
  } catch (err) {
    throw damagedVersion(vdir, 'manifest.json is missing or invalid', err);
  }
}

/** The version directories in `dir`, oldest first (by the save time and counter in their names). */
export async function listVersions(dir: string): Promise<string[]> {
  const key = (v: string) => v.split('-').slice(1).map(Number);
  return (await fs.readdir(dir))
    .filter((e) => VERSION_RE.test(e))
    .sort((a, b) => {
      const [am, an] = key(a);
      const [bm, bn] = key(b);
      return am! - bm! || an! - bn!;
    });
}

export interface VersionFiles {
  manifest: StoredManifest;
  chunks: ChunkRecord[];
  vectors: Float32Array;
  indexPath: string;
  /** The lexical index file, or null when the version has none (written before it existed). */
  lexicalPath: string | null;
}

/** Reads a version's manifest, chunks and vectors and checks that their counts agree. */
export async function readVersion(dir: string, name: string): Promise<VersionFiles> {
  const vdir = path.join(dir, name);
  const manifest = await readManifest(dir, name);
  const lines = (await fs.readFile(path.join(vdir, FILES.chunks), 'utf8')).split('\n').filter((l) => l !== '');
  const chunks = lines.map((l) => JSON.parse(l) as ChunkRecord);
  const raw = await fs.readFile(path.join(vdir, FILES.vectors));
  if (os.endianness() !== 'LE') throw new AppError('vectors.f32 is little-endian; big-endian hosts are not supported');
  // Copied into its own ArrayBuffer: a Buffer's byte offset need not be a multiple of 4.
  const vectors = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (chunks.length !== manifest.chunks || vectors.length !== manifest.chunks * manifest.dimensions) {
    throw damagedVersion(vdir, `manifest says ${manifest.chunks} chunks, found ${chunks.length} chunks and ${vectors.length / manifest.dimensions} vectors`);
  }
  const lexicalPath = path.join(vdir, FILES.lexical);
  const hasLexical = await fs.access(lexicalPath).then(() => true, () => false);
  return { manifest, chunks, vectors, indexPath: path.join(vdir, FILES.index), lexicalPath: hasLexical ? lexicalPath : null };
}
