/**
 * `npm run eval:retrieval-scanned [-- options]`: retrieval over scanned documents against the same
 * documents as text, in one run. Each squad-dev article is wrapped to pages (80-character lines,
 * 44 lines a page, paragraphs kept apart by a blank line), drawn as a PDF (tests/support/make-pdf.ts),
 * rendered to grayscale page images and put back as an image-only PDF, as a scanner writes it
 * (tests/support/make-scan.ts); the scan is ingested through the real pipeline, its pages read by
 * OCR (pdftoppm + tesseract). The page font draws printable ASCII only, so the articles are printed
 * as `printable` makes them (accents dropped, dashes and quotes as ASCII, æ as ae, ...). Two text
 * indexes are the controls: the printed text (the same characters the scan shows: what separates
 * it from the scan is OCR and the page layout) and the original files. All three are asked the
 * articles' answerable questions in the hybrid (product default) and dense modes; the goal compares
 * the scans with the printed text.
 *
 * A hit is matched by answer text, not character offsets (a scan's offsets are those of its OCR
 * text): a passage in the first k whose text, lower-cased with punctuation and whitespace runs
 * made one space, holds a gold answer likewise normalised. hit@1, hit@5 and MRR@10 for each index,
 * written to bench/results/retrieval-scanned-squad-dev.json.
 *
 * Options:
 *   --docs N      the first N articles (default all 16)
 *   --every N     ask every N-th answerable question of those articles (default 1)
 *   --dpi N       resolution of the scanned page images (default 200; OCR renders them at 300)
 *   --parallel N  scans read at once (default 2; each reads one page at a time)
 *   --set DIR     the evaluation set (default ../shared/eval/squad-dev)
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyNativeThreadingDefaults, loadConfig } from '../src/config.ts';
import { INGEST_CONTRACT_VERSION, type IngestJob, type MediaType } from '../src/contracts/ingest.ts';
import { loadSquadSet, type SquadQuestion } from '../src/eval/squad-set.ts';
import { DEFAULT_OCR_OPTIONS } from '../src/ingest/ocr/ocr-options.ts';
import { parseDocument } from '../src/ingest/parse-document.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import type { SearchHit, VectorStore } from '../src/ports/vector-store.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { FUSION } from '../src/retrieval/fusion.ts';
import { searchStores, type ModeOptions } from '../src/retrieval/search-modes.ts';
import { scannedPdf } from '../tests/support/make-scan.ts';
import { testModels } from '../tests/support/test-models.ts';
import { round, writeResult } from './stats.ts';
import { wrapLines } from './wrap-lines.ts';

const LINE_CHARS = 80;
const LINES_PER_PAGE = 44;

/** Letters NFKD does not take apart, as ASCII. */
const LETTERS: Record<string, string> = { æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ß: 'ss', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', þ: 'th', Þ: 'Th', ı: 'i' };

/**
 * The text as the page font can draw it (printable ASCII): accents dropped (é -> e), dashes and
 * quotes as their ASCII forms, letters such as æ spelled out; anything else left out. Applied to
 * the printed control text and to the gold answers alike.
 */
export function printable(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u201a\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[^\n\x20-\x7e]/g, (c) => LETTERS[c] ?? (/\s/.test(c) ? ' ' : ''))
    .replace(/[^\x20-\x7e\n]/g, '');
}

/** The article as page texts: paragraphs wrapped to LINE_CHARS, a blank line between them (printable ASCII: the PDF font's range). */
export function pagesOf(text: string): string[] {
  const lines: string[] = [];
  for (const para of printable(text).split(/\n\s*\n/)) {
    const words = para.split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(...wrapLines(words, LINE_CHARS));
  }
  const pages: string[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_PAGE) pages.push(lines.slice(i, i + LINES_PER_PAGE).join('\n'));
  return pages;
}

/** Lower case, every run of characters other than letters and digits one space. */
export const normalise = (t: string): string => t.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** 1-based rank of the first hit holding a gold answer, or null. */
export function answerRank(hits: readonly SearchHit[], answers: readonly string[]): number | null {
  const gold = answers.map(normalise).filter((a) => a !== '');
  const i = hits.findIndex((h) => {
    const text = ` ${normalise(h.text)} `;
    return gold.some((a) => text.includes(` ${a} `));
  });
  return i < 0 ? null : i + 1;
}

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unexpected argument ${argv[i]}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    out.set(m[1]!, value);
  }
  return out;
}

const KNOWN = new Set(['docs', 'every', 'dpi', 'parallel', 'set']);
const args = parseArgs(process.argv.slice(2));
for (const k of args.keys()) if (!KNOWN.has(k)) throw new Error(`unknown option --${k}; known: ${[...KNOWN].map((x) => `--${x}`).join(' ')}`);
const int = (name: string, dflt: number): number => {
  const raw = args.get(name);
  const n = raw === undefined ? dflt : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0, got ${raw}`);
  return n;
};

applyNativeThreadingDefaults();
const config = loadConfig();
const chunking = { size: config.chunking.size, overlap: config.chunking.overlap, embedBatch: config.chunking.embedBatch };
const set = await loadSquadSet(path.resolve(args.get('set') ?? '../shared/eval/squad-dev'));
const docs = set.docs.slice(0, int('docs', set.docs.length));
const every = int('every', 1);
const dpi = int('dpi', 200);
const parallel = int('parallel', 2);
const modelDir = (await fs.stat(path.join(config.models.embed, 'model.onnx')).then(() => true, () => false)) ? config.models.embed : testModels().embed;
const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-eval-scanned-'));
const embedder = await createOnnxEmbedder(modelDir, { threads: config.models.threads });

async function openStore(name: string, e: Embedder): Promise<VectorStore> {
  return openFaissStore({
    dir: path.join(tmp, name),
    manifest: { embedModelId: e.modelId, embedModelName: e.modelName, dimensions: e.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
  });
}

async function ingest(store: VectorStore, name: string, file: string, mediaType: MediaType): Promise<{ chunks: number; pages: number | null }> {
  const bytes = await fs.readFile(file);
  const job: IngestJob = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), documentId: createHash('sha256').update(bytes).digest('hex'), storedPath: file, name, mediaType, size: bytes.length };
  // In-process parse with OCR on (the parse child runs the same code).
  const r = await ingestDocument(job, { embedder, store, chunking, parser: (input) => parseDocument(input instanceof Uint8Array ? input : bytes, mediaType, { ocr: DEFAULT_OCR_OPTIONS }) });
  return { chunks: r.chunks, pages: r.pages };
}

const text = await openStore('text', embedder);
const printed = await openStore('printed', embedder);
const scanned = await openStore('scanned', embedder);
try {
  let textChunks = 0;
  let printedChunks = 0;
  for (const doc of docs) {
    const original = path.join(set.dir, 'docs', doc);
    textChunks += (await ingest(text, doc, original, 'text/plain')).chunks;
    const printedFile = path.join(tmp, `${doc}.printed.txt`);
    await fs.writeFile(printedFile, printable(await fs.readFile(original, 'utf8')));
    printedChunks += (await ingest(printed, doc, printedFile, 'text/plain')).chunks;
  }
  const t0 = performance.now();
  let scanChunks = 0;
  let scanPages = 0;
  const queue = [...docs];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) {
        const pages = pagesOf(await fs.readFile(path.join(set.dir, 'docs', doc), 'utf8'));
        const file = path.join(tmp, `${doc}.pdf`);
        await fs.writeFile(file, scannedPdf(pages, dpi));
        const r = await ingest(scanned, doc, file, 'application/pdf');
        scanChunks += r.chunks;
        scanPages += pages.length;
        log(`scanned ${doc}: ${pages.length} pages read by OCR, ${r.chunks} chunks (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    }),
  );
  const ocrSeconds = (performance.now() - t0) / 1000;

  const chosen = new Set(docs);
  const questions = set.questions.filter((q: SquadQuestion) => !q.impossible && chosen.has(q.doc)).filter((_, i) => i % every === 0);
  const modes: Record<string, ModeOptions> = { hybrid: { mode: 'hybrid', fusion: FUSION }, dense: { mode: 'dense' } };
  const ranks: Record<string, Record<string, Array<number | null>>> = { text: { hybrid: [], dense: [] }, printed: { hybrid: [], dense: [] }, scanned: { hybrid: [], dense: [] } };
  let answersChangedByPrinting = 0;
  for (const [i, q] of questions.entries()) {
    const vector = await embedder.embedQuery(q.question);
    const printedAnswers = q.answers.map(printable);
    if (printedAnswers.some((a, j) => a !== q.answers[j])) answersChangedByPrinting++;
    for (const [indexName, store] of [['text', text], ['printed', printed], ['scanned', scanned]] as const) {
      for (const [mode, options] of Object.entries(modes)) {
        const hits = await searchStores([{ id: '', store }], q.question, () => Promise.resolve(vector), 10, options);
        // Only the question's own article counts (another article may quote the same answer).
        ranks[indexName]![mode]!.push(answerRank(hits.filter((h) => h.documentName === q.doc), indexName === 'text' ? q.answers : printedAnswers));
      }
    }
    if ((i + 1) % 250 === 0) log(`asked ${i + 1}/${questions.length}`);
  }
  const score = (rs: Array<number | null>) => {
    const n = rs.length;
    const share = (k: number) => round(rs.filter((r) => r !== null && r <= k).length / Math.max(1, n));
    return { hitAt1: share(1), hitAt5: share(5), mrrAt10: round(rs.reduce<number>((s, r) => s + (r !== null && r <= 10 ? 1 / r : 0), 0) / Math.max(1, n)) };
  };
  const result = {
    benchmark: 'retrieval-scanned-squad-dev',
    at: new Date().toISOString(),
    set: `squad-dev, ${docs.length} of ${set.docs.length} articles`,
    model: { name: embedder.modelName, id: embedder.modelId },
    chunking: { size: chunking.size, overlap: chunking.overlap },
    match: 'a passage of the question\'s article in the first k holds a gold answer (normalised text), not character offsets',
    questions: questions.length,
    sample: every > 1 ? `every ${every}th answerable question of those articles` : 'the answerable questions of those articles',
    scan: { dpi, ocrDpi: 300, pages: scanPages, lineChars: LINE_CHARS, linesPerPage: LINES_PER_PAGE, ocrSeconds: round(ocrSeconds, 1), parallel },
    answersChangedByPrinting,
    text: { chunks: textChunks, ...Object.fromEntries(Object.entries(ranks.text!).map(([m, rs]) => [m, score(rs)])) },
    printed: { chunks: printedChunks, ...Object.fromEntries(Object.entries(ranks.printed!).map(([m, rs]) => [m, score(rs)])) },
    scanned: { chunks: scanChunks, ...Object.fromEntries(Object.entries(ranks.scanned!).map(([m, rs]) => [m, score(rs)])) },
    seconds: round((performance.now() - started) / 1000, 1),
  };
  const file = await writeResult('retrieval-scanned-squad-dev', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n-> ${file}\n`);
} finally {
  await text.close();
  await printed.close();
  await scanned.close();
  await embedder.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
