/**
 * Ingests one stored document: read -> detect type -> parse (in a child process) -> chunk -> embed in batches ->
 * replace the document's chunks in the vector store -> save a new index version.
 *
 * Safe to run twice for the same job (a redelivered message): the document's chunks are replaced,
 * never added again. Problems with the file itself are InvalidInputError, so the caller fails the
 * document with the message; anything else (disk, embedder) keeps its own retryable flag.
 *
 * A PDF's pages are streamed out of the parse child as they are read and chunked and embedded
 * while the child reads on (isolated-parser.ts), so embedding no longer waits for the whole file.
 * The child reads ahead of the embedder by up to READ_AHEAD_CHUNKS chunks (back-pressure beyond
 * that), so a PDF of a few hundred pages is read within its first second while the embedder runs
 * one thread narrower beside it (`embedderWhileParsing`), and the embedder then has every thread
 * for the rest. A parse paced by the embedder all along pre-empted one of its threads again and
 * again, and the other threads waited for that one at every operation: in bench:ingest the time
 * inside the embedder grew by about 1.2 s for 0.7 s of parse CPU on a 300-page PDF.
 * Only full embedding batches are sent during the parse, so the batches are exactly those of a
 * parse-then-embed run and chunk ids, pages, offsets and heading paths do not change. Nothing
 * reaches the store before the parse and every batch have succeeded: a failure in the middle
 * leaves the index as it was.
 *
 * Progress stages, in order: parsing (with pages read so far / page count for PDFs, as the parse
 * child reports them; `recognising` instead once a page is read by OCR, "recognising page i/n") -> chunking -> embedding (chunks embedded so far / chunks, before the first
 * batch and after every batch) -> saving -> indexed. The counts come from the work itself, so
 * "page 40/300" and "chunk 64/900" are what was done, not an estimate. While a PDF streams, the
 * stage stays `parsing` (the chunk count is not known yet) and the 0..1 progress follows the
 * embedding; `progress` never goes back.
 */
import type { IngestJob } from '../contracts/ingest.ts';
import { InvalidInputError } from '../errors.ts';
import { PassageVectors } from './passage-vectors.ts';
import { logger } from '../log.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import { yieldToEventLoop } from '../shared/yield.ts';
import { createChunker } from './chunker.ts';
import { isolatedParser } from './isolated-parser.ts';
import { openStored } from './stored-file.ts';
import type { ChunksSink, DocumentParser, PagesSink } from './parse-document.ts';
import { parseText } from './parse-text.ts';

export interface IngestProgress {
  /** parsing | chunking | embedding | saving | indexed */
  stage: string;
  /** 0..1 within the job. */
  progress: number;
  pages: number | null;
  chunks: number | null;
  /** What the stage counts (pages read, chunks embedded) so far; null when it does not count. */
  done: number | null;
  total: number | null;
}

export interface IngestDeps {
  embedder: Embedder;
  /**
   * The embedder for chunks embedded while their document is still being read in its parse child:
   * the same model with one thread fewer, so the parse has a core of its own instead of
   * pre-empting one of the embedder's threads (which stalls the others at every operation).
   * Default `embedder`. It must give the same vectors as `embedder`.
   */
  embedderWhileParsing?: Embedder;
  store: VectorStore;
  /** Config `chunking`: chunk size and overlap in characters, texts per embedding call. */
  chunking: { size: number; overlap: number; embedBatch: number };
  /** Reads the stored file whole (tests); default: the type is judged as the file streams and a parse child reads it (stored-file.ts). */
  readFile?: (path: string) => Promise<Uint8Array>;
  onProgress?: (p: IngestProgress) => void;
  /** Longest one parse may take (config PARSE_TIMEOUT_MS). Default 120 000 ms. */
  parseTimeoutMs?: number;
  /** Runs the parse step for every type (tests); default: plain text here, the rest in `childParser`. */
  parser?: DocumentParser;
  /**
   * The isolated parser for every type but plain text: the ingest worker's warm spare child
   * (spare-parse-child.ts); default a child forked per document (isolated-parser.ts).
   */
  childParser?: DocumentParser;
  /** Called when the document is done, indexed or failed: the ingest worker warms its next parse child then. */
  afterDocument?: () => void;
  /** Chunks a streaming parse may get ahead of the embedder (tests); default READ_AHEAD_CHUNKS. */
  readAheadChunks?: number;
  /**
   * Save a new index version after adding the document. Default true; a re-index adds every
   * document to a fresh store first and saves once at the end, and the ingest worker saves a
   * batch of documents as one version (index-batch.ts).
   */
  persist?: boolean;
}

export interface IngestResult {
  /** Pages in the source (PDF), null for text formats. */
  pages: number | null;
  chunks: number;
}

/**
 * Chunks a streaming parse may get ahead of the embedder before it waits (about 1 KB of text
 * each): enough for a few hundred PDF pages, so those are read at once, and a bound on memory for
 * a huge document.
 */
export const READ_AHEAD_CHUNKS = 1024;

/** The options the ingest and re-index jobs hand on to every document unchanged. */
export type DocumentOptions = Pick<IngestDeps, 'embedderWhileParsing' | 'parseTimeoutMs' | 'parser' | 'childParser' | 'afterDocument'>;
const DOCUMENT_OPTION_KEYS = ['embedderWhileParsing', 'parseTimeoutMs', 'parser', 'childParser', 'afterDocument'] as const;

/** The DocumentOptions that `deps` sets (an unset one stays absent, not undefined). */
export function documentOptions(deps: DocumentOptions): DocumentOptions {
  return Object.fromEntries(DOCUMENT_OPTION_KEYS.filter((k) => deps[k] !== undefined).map((k) => [k, deps[k]]));
}

/**
 * Plain text up to this size is decoded and chunked in this process (a few ms); a larger one goes to
 * a parse child like every other format, which chunks it there: the splitter over a 20 MB text held
 * the event loop (the web's too, in `npm start`) for 1.5-3 s.
 */
export const IN_PROCESS_TEXT_BYTES = 256 * 1024;

const parseTextHere: DocumentParser = (input) =>
  new Promise((resolve) => {
    if (!(input instanceof Uint8Array)) throw new TypeError('the in-process text parser needs the bytes, not a path');
    resolve(parseText(input));
  });

export async function ingestDocument(job: IngestJob, deps: IngestDeps): Promise<IngestResult> {
  try {
    return await ingestOne(job, deps);
  } finally {
    deps.afterDocument?.();
  }
}

async function ingestOne(job: IngestJob, deps: IngestDeps): Promise<IngestResult> {
  const log = logger('ingest', { documentId: job.documentId });
  const { embedder, store, chunking } = deps;
  let shown = 0;
  const report = (p: IngestProgress): void => {
    shown = Math.max(shown, p.progress);
    deps.onProgress?.({ ...p, progress: shown });
  };

  report({ stage: 'parsing', progress: 0.05, pages: null, chunks: null, done: null, total: null });
  // Plain text is only decoded, nothing a malformed file can crash or hang; a parse child per file
  // costs more than embedding a small file (bench:ingest), so small text is read in-process.
  const inProcess = (type: string, size: number): boolean => type === 'text/plain' && size <= IN_PROCESS_TEXT_BYTES;
  const { input, type } = await openStored(job, {
    ...(deps.readFile ? { readFile: deps.readFile } : {}),
    wantsBytes: (t, size) => deps.parser !== undefined || inProcess(t, size),
  });
  if (type !== job.mediaType) log.warn({ claimed: job.mediaType, detected: type }, 'media type differs from the job; using the content');
  const parse =
    deps.parser ??
    (input instanceof Uint8Array && inProcess(type, input.length)
      ? parseTextHere
      : (deps.childParser ?? isolatedParser(deps.parseTimeoutMs === undefined ? {} : { timeoutMs: deps.parseTimeoutMs })));

  const source = { documentId: job.documentId, documentName: job.name, mediaType: type };
  const chunkPages = createChunker(source, chunking);
  const chunks: ChunkRecord[] = [];
  const vectors = new PassageVectors();
  let parseOver = false;
  /** The document's chunk count, once a parser that chunks (the child) has chunked its last page. */
  let chunkTotal: number | null = null;
  /** Embeds the chunks not embedded yet, full batches only unless `all`. */
  const embedPending = async (all: boolean, after: () => void): Promise<void> => {
    for (;;) {
      const pending = chunks.length - vectors.length;
      if (pending === 0 || (!all && pending < chunking.embedBatch)) return;
      const texts = chunks.slice(vectors.length, vectors.length + chunking.embedBatch).map((c) => c.text);
      // Once the child has chunked the whole of a text it only hands chunks over: the wide embedder.
      const use = parseOver || (chunkTotal !== null && !streamed) ? embedder : (deps.embedderWhileParsing ?? embedder);
      await vectors.add(texts, use);
      after();
      // An embedder that answers at once (cached, or the unit tests' stand-in) would otherwise run
      // the whole document on microtasks, never letting the event loop serve a request.
      await yieldToEventLoop();
    }
  };

  let read = 0;
  let pageTotal = 0;
  let streamed = false;
  /** The parse child said it reads pages by OCR: the stage is shown as "recognising page i/n" from then on. */
  let recognising = false;
  const parsing = (): void => {
    // Streaming: pages read times the share of their chunks embedded, on the embedding's scale.
    const share = chunks.length === 0 ? 0 : vectors.length / chunks.length;
    const fraction = read / Math.max(1, pageTotal);
    const progress = streamed ? 0.05 + 0.85 * share * fraction : 0.05 + 0.1 * fraction;
    report({ stage: recognising ? 'recognising' : 'parsing', progress, pages: pageTotal, chunks: null, done: read, total: pageTotal });
  };
  let pages: number | null = null;
  const embedded = (): void => {
    const total = chunkTotal ?? chunks.length;
    report({ stage: 'embedding', progress: 0.2 + (0.7 * vectors.length) / Math.max(1, total), pages, chunks: total, done: vectors.length, total });
  };
  // While a PDF streams, its chunks are embedded in the background and the child reads on until
  // READ_AHEAD_CHUNKS wait for the embedder (header). Batches after the parse report `embedding`.
  let embedding: Promise<void> | null = null;
  let embedFailure: { error: unknown } | null = null;
  const embedInBackground = (): void => {
    if (embedding || embedFailure) return;
    const run: Promise<void> = embedPending(false, () => (parseOver || (chunkTotal !== null && !streamed) ? embedded() : parsing()))
      .catch((error: unknown) => void (embedFailure ??= { error }))
      .finally(() => {
        if (embedding === run) embedding = null;
      });
    embedding = run;
  };
  /** Waits while the embedder is behind by `behind` chunks or more (0: until it is idle), then throws its failure, if any. */
  const embeddedUpTo = async (behind: number): Promise<void> => {
    while (embedding && chunks.length - vectors.length >= behind) await embedding;
    if (embedFailure) throw embedFailure.error;
  };
  const onPages: PagesSink = async (batch) => {
    if (embedFailure) throw embedFailure.error;
    streamed = true;
    chunks.push(...(await chunkPages(batch)));
    embedInBackground();
    await embeddedUpTo(deps.readAheadChunks ?? READ_AHEAD_CHUNKS);
  };
  let chunkingShown = false;
  let embeddingShown = false;
  const showChunking = (): void => {
    if (!chunkingShown) report({ stage: 'chunking', progress: 0.15, pages, chunks: null, done: null, total: null });
    chunkingShown = true;
  };
  /** `chunking` (unless shown), then `embedding` before the first batch: once, when the chunk count is known. */
  const startEmbedding = (): void => {
    showChunking();
    if (!embeddingShown) embedded();
    embeddingShown = true;
  };
  // Chunks from a parser that chunks where it parses (the child): a streamed PDF's as it reads on,
  // a text's once the child has chunked all of it; embedded under the same read-ahead bound.
  const onChunks: ChunksSink = async (batch, progress) => {
    if (embedFailure) throw embedFailure.error;
    if (progress.chunkTotal === null) streamed = true;
    chunkTotal = progress.chunkTotal;
    for (const c of batch) chunks.push(c);
    if (chunkTotal !== null && !streamed) startEmbedding();
    embedInBackground();
    await embeddedUpTo(deps.readAheadChunks ?? READ_AHEAD_CHUNKS);
  };
  let parsed;
  try {
    parsed = await parse(
      input,
      type,
      (done, total, stage) => {
        [read, pageTotal] = [done, total];
        if (stage === 'recognising') recognising = true;
        parsing();
      },
      onPages,
      { source, options: chunking, onChunks },
    );
  } catch (err) {
    // A batch may still be embedding when the parser fails; let it end before the next job starts.
    await embeddedUpTo(0).catch(() => undefined);
    throw err;
  } finally {
    parseOver = true;
  }
  pages = parsed.pageCount;

  showChunking();
  for (const c of await chunkPages(parsed.pages)) chunks.push(c);
  chunkTotal = null;
  startEmbedding();
  await embeddedUpTo(0);
  await embedPending(true, embedded);

  if (chunks.length === 0) {
    // Every passage was punctuation or symbols (chunker.ts worthIndexing): nothing a question could find.
    throw new InvalidInputError('no passage with words to index (the text is only punctuation or symbols)', { code: 'no_text' });
  }
  report({ stage: 'saving', progress: 0.92, pages, chunks: chunks.length, done: null, total: null });
  // addDocument replaces an earlier copy in one step: a version saved meanwhile (the ingest
  // worker's batch, index-batch.ts) never lacks a document that was already ready.
  await store.addDocument(chunks, vectors.rows);
  const version = deps.persist === false ? null : await store.save();

  report({ stage: 'indexed', progress: 1, pages, chunks: chunks.length, done: null, total: null });
  log.info({ pages, chunks: chunks.length, version }, 'document indexed');
  return { pages, chunks: chunks.length };
}
