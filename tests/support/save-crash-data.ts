/**
 * Documents shared by the save-crash test and its writer child: a small seed document saved first,
 * a new document the crashed save was adding, and filler documents that make the save large.
 */
import type { ChunkRecord, IndexManifest } from '../../src/ports/vector-store.ts';
import { hashEmbed } from './fake-embedder.ts';

export const CRASH_MANIFEST: IndexManifest = { embedModelId: 'fake-hash-crash01', embedModelName: 'fake', dimensions: 384, chunkSize: 1000, chunkOverlap: 150 };

function doc(letter: string, name: string, texts: string[]): { chunks: ChunkRecord[]; vectors: number[][] } {
  const documentId = letter.repeat(64);
  const chunks = texts.map((text, i) => ({ chunkId: `${documentId}:${i}`, documentId, documentName: name, page: null, text, start: 0, end: text.length }));
  return { chunks, vectors: texts.map((t) => hashEmbed(t)) };
}

export const SEED_DOC = doc('a', 'harbour.txt', ['the harbour opens at six in the morning', 'ferries leave from the south pier at noon']);
export const NEW_DOC = doc('b', 'bakery.txt', ['feed the sourdough starter with flour and water', 'bake the bread with steam at high heat']);

/** Document `n` (ids c000..., distinct from the others) of `chunks` chunks with cheap pseudo-random vectors. */
export function fillerDocument(n: number, chunks: number): { chunks: ChunkRecord[]; vectors: number[][] } {
  const documentId = `c${n.toString(16).padStart(63, '0')}`;
  let seed = n * 7919 + 1;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  const recs: ChunkRecord[] = [];
  const vectors: number[][] = [];
  for (let i = 0; i < chunks; i++) {
    const text = `filler document ${n} chunk ${i}`;
    recs.push({ chunkId: `${documentId}:${i}`, documentId, documentName: `filler-${n}.txt`, page: null, text, start: 0, end: text.length });
    vectors.push(Array.from({ length: CRASH_MANIFEST.dimensions }, rnd));
  }
  return { chunks: recs, vectors };
}
