/**
 * The OCR part of `npm run bench:ingest` (BENCH_INGEST_CASES=ocr): a scanned PDF made from known
 * text (the squad-dev articles' prose, wrapped to pages, drawn by tests/support/make-pdf.ts, rendered
 * to 300-dpi grayscale images and put back as an image-only PDF by tests/support/make-scan.ts), read
 * by the real parser (pdf.js, then pdftoppm and tesseract per page). Reports pages per second, and
 * the character accuracy against the truth: 1 - (edit distance / truth length), whitespace runs
 * collapsed to one space on both sides, per page and over all pages (goal at least 0.97 on clean
 * 300-dpi pages). The baseline, in the same run, is the same pages read from their text layer.
 * Wall time on a shared host swings with its load, so the OCR programs' own CPU time per page (the
 * children's cutime + cstime) is reported beside it, with the load average. BENCH_OCR_PAGES sets
 * the page count (default 10).
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { DEFAULT_OCR_OPTIONS, OCR_DPI } from '../src/ingest/ocr/ocr-options.ts';
import { parsePdf, warmPdfReader } from '../src/ingest/parse-pdf.ts';
import { makePdf } from '../tests/support/make-pdf.ts';
import { scannedPdf } from '../tests/support/make-scan.ts';
import { round } from './stats.ts';
import { wrapLines } from './wrap-lines.ts';

const LINES_PER_PAGE = 44;
const LINE_CHARS = 80;

/** Printable ASCII prose from the squad-dev articles, wrapped into pages of LINES_PER_PAGE lines. */
async function truthPages(squadDir: string, count: number): Promise<string[]> {
  const files = (await fs.readdir(squadDir)).filter((f) => f.endsWith('.txt')).sort();
  const words: string[] = [];
  for (const f of files) {
    if (words.length > count * LINES_PER_PAGE * 14) break;
    const text = (await fs.readFile(path.join(squadDir, f), 'utf8')).replace(/[^\x20-\x7e\n]/g, '');
    words.push(...text.split(/\s+/).filter(Boolean));
  }
  const lines = wrapLines(words, LINE_CHARS);
  const pages: string[] = [];
  for (let p = 0; p < count; p++) pages.push(lines.slice(p * LINES_PER_PAGE, (p + 1) * LINES_PER_PAGE).join('\n'));
  return pages;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = new Uint32Array(b.length + 1).map((_, j) => j);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

const squash = (t: string): string => t.replace(/\s+/g, ' ').trim();

/**
 * CPU seconds of this process's finished child processes (cutime + cstime in /proc/self/stat): the
 * OCR programs' own work, which a busy shared host does not inflate the way it does wall time.
 */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
}

export async function benchOcr(squadDir: string): Promise<Record<string, unknown>> {
  const count = Number(process.env.BENCH_OCR_PAGES ?? 10);
  const truth = await truthPages(squadDir, count);
  process.stderr.write(`ingest/ocr: rendering ${count} pages to a scanned PDF...\n`);
  const scan = scannedPdf(truth, OCR_DPI);
  const text = makePdf(truth);

  await warmPdfReader(); // pdf.js's one-time set-up is not the text layer's reading time
  const t0 = performance.now();
  const fromText = await parsePdf(text, { ocr: { ...DEFAULT_OCR_OPTIONS, enabled: false } });
  const textMs = performance.now() - t0;

  process.stderr.write(`ingest/ocr: reading the ${count}-page scan by OCR...\n`);
  const pageMs: number[] = [];
  let last = performance.now();
  const t1 = performance.now();
  const cpu0 = childCpuSeconds();
  const doc = await parsePdf(scan, {
    timeoutMs: 3_600_000,
    onRecognise: () => {
      last = performance.now();
    },
    onPage: () => pageMs.push(performance.now() - last),
  });
  const ocrMs = performance.now() - t1;
  const ocrCpu = childCpuSeconds() - cpu0;
  const load = loadavg()[0]!;

  let distance = 0;
  let length = 0;
  const perPage = truth.map((t, i) => {
    const got = squash(doc.pages.find((p) => p.page === i + 1)?.text ?? '');
    const want = squash(t);
    const d = editDistance(got, want);
    distance += d;
    length += want.length;
    return round(1 - d / want.length, 4);
  });
  return {
    pages: count,
    dpi: OCR_DPI,
    languages: DEFAULT_OCR_OPTIONS.languages,
    scanBytes: scan.length,
    truthChars: length,
    ocrSeconds: round(ocrMs / 1000, 2),
    ocrPagesPerSecond: round(count / (ocrMs / 1000), 3),
    ocrCpuSecondsPerPage: round(ocrCpu / count, 2),
    pagesPerCpuSecond: round(count / ocrCpu, 3),
    slowestPageSeconds: round(Math.max(...pageMs) / 1000, 2),
    loadAverageAfter: round(load, 1),
    cores: availableParallelism(),
    textLayerPagesPerSecond: round(fromText.pages.length / (textMs / 1000), 1),
    ratioOcrToTextLayerSpeed: round(count / ocrMs / (fromText.pages.length / textMs), 4),
    characterAccuracy: round(1 - distance / length, 4),
    characterAccuracyPerPage: perPage,
    goal: { characterAccuracy: '>= 0.97' },
    note: 'one page at a time, tesseract with one thread (OMP_THREAD_LIMIT=1), in-process parser (the parse child runs the same code); accuracy = 1 - edit distance / truth length, whitespace collapsed',
  };
}
