/**
 * `npm run eval:spreadsheet`: retrieval over a spreadsheet. A generated workbook of 1,000 orders
 * (order id, customer, region, product, quantity, unit price, order date, status) goes through the
 * real ingest pipeline (type detection, the parse child, chunking with the configured CHUNK_SIZE and
 * CHUNK_OVERLAP, the ONNX embedder of EMBED_MODEL, the FAISS store); then questions about single
 * cells are asked through the real retriever, each naming its row by the order id or by the
 * customer's name ("What quantity did Ines Moreau order?"). A question is a hit at k when one of the
 * first k passages holds that row's line, whole. Reported: hit@1 and hit@5 overall and per way of
 * naming the row, for the parser's row grouping (TABLE_PASSAGE_CHARS: one row per passage for
 * this table) and, for comparison, groups of up to 400 and 1,000 characters, in each search mode
 * (dense, lexical, hybrid: SEARCH_MODE) on the same index; the top-level figures of a run are the
 * configured mode's. Written to bench/results/spreadsheet-retrieval.json.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { INGEST_CONTRACT_VERSION, XLSX_MEDIA_TYPE } from '../src/contracts/ingest.ts';
import { parseXlsx } from '../src/ingest/parse-xlsx.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { TABLE_PASSAGE_CHARS } from '../src/ingest/table-passages.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { createRetriever } from '../src/retrieval/retriever.ts';
import type { SearchMode } from '../src/retrieval/search-modes.ts';
import { makeXlsx, type CellSpec } from '../tests/support/make-xlsx.ts';
import { testModels } from '../tests/support/test-models.ts';
import { round } from './stats.ts';

const ROWS = 1000;
const QUESTIONS = 300;
const FIRST = ['Ines', 'Tomas', 'Aiko', 'Kwame', 'Lena', 'Rafael', 'Priya', 'Oskar', 'Mei', 'Diego', 'Fatima', 'Jonas', 'Sofia', 'Arjun', 'Elena', 'Malik', 'Hana', 'Pieter', 'Zara', 'Luca', 'Nadia', 'Emil', 'Yara', 'Bruno', 'Chloe', 'Idris', 'Freya', 'Mateo', 'Leila', 'Soren', 'Amara', 'Felix', 'Noor', 'Hugo', 'Ingrid', 'Kofi', 'Maya', 'Viktor', 'Rosa', 'Tariq'];
const LAST = ['Moreau', 'Okafor', 'Lindqvist', 'Tanaka', 'Novak', 'Haddad', 'Costa', 'Brennan', 'Kowalski', 'Mensah', 'Richter', 'Duarte', 'Nakamura', 'Varga', 'Osei', 'Petrov', 'Larsen', 'Silva', 'Ahmed', 'Fischer', 'Romano', 'Yilmaz', 'Dubois', 'Keller', 'Sato'];
const REGIONS = ['North', 'South', 'East', 'West', 'Central'];
const PRODUCTS = ['desk lamp', 'office chair', 'standing desk', 'monitor arm', 'bookshelf', 'filing cabinet', 'whiteboard', 'keyboard tray', 'footrest', 'cable tray'];
const STATUS = ['shipped', 'pending', 'delivered', 'returned'];
const HEADER = ['Order ID', 'Customer', 'Region', 'Product', 'Quantity', 'Unit price', 'Order date', 'Status'];

interface Order {
  id: string;
  customer: string;
  region: string;
  product: string;
  quantity: number;
  price: number;
  date: Date;
  status: string;
}

/** A deterministic pseudo-random sequence (mulberry32), so every run asks the same questions. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function orders(): Order[] {
  const rnd = random(19);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // Every customer name once, so a question naming one names one row.
  const names = FIRST.flatMap((f) => LAST.map((l) => `${f} ${l}`)).sort(() => rnd() - 0.5).slice(0, ROWS);
  return names.map((customer, i) => ({
    id: `SO-${10_000 + i * 7}`,
    customer,
    region: pick(REGIONS),
    product: pick(PRODUCTS),
    quantity: 1 + Math.floor(rnd() * 40),
    price: Math.round((20 + rnd() * 480) * 100) / 100,
    date: new Date(Date.UTC(2024, Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28))),
    status: pick(STATUS),
  }));
}

/** The line the parser writes for an order (table-passages.ts). */
const line = (o: Order): string =>
  `Order ID: ${o.id}, Customer: ${o.customer}, Region: ${o.region}, Product: ${o.product}, Quantity: ${o.quantity}, Unit price: ${o.price}, Order date: ${o.date.toISOString().slice(0, 10)}, Status: ${o.status}`;

const BY_ID = [(o: Order) => `What quantity was ordered in order ${o.id}?`, (o: Order) => `What is the status of order ${o.id}?`, (o: Order) => `Which product was bought in order ${o.id}?`];
const BY_NAME = [(o: Order) => `What quantity did ${o.customer} order?`, (o: Order) => `Which region is ${o.customer}'s order from?`, (o: Order) => `When did ${o.customer} place the order?`];

type Tally = Record<'id' | 'name', { n: number; hit1: number; hit5: number }>;

/** The same questions (same seed) through `retriever`: hits at 1 and 5 per way of naming the row. */
async function ask(retriever: ReturnType<typeof createRetriever>, all: Order[]): Promise<Tally> {
  const rnd = random(7);
  const tally: Tally = { id: { n: 0, hit1: 0, hit5: 0 }, name: { n: 0, hit1: 0, hit5: 0 } };
  for (let q = 0; q < QUESTIONS; q++) {
    const order = all[Math.floor(rnd() * all.length)]!;
    const kind = q % 2 === 0 ? 'id' : 'name';
    const question = (kind === 'id' ? BY_ID : BY_NAME)[q % 3]!;
    const hits = await retriever.search(question(order), 5);
    const rank = hits.findIndex((h) => h.text.split('\n').includes(line(order)));
    const t = tally[kind];
    t.n++;
    if (rank === 0) t.hit1++;
    if (rank >= 0) t.hit5++;
  }
  return tally;
}

function score(tally: Tally) {
  const n = tally.id.n + tally.name.n;
  return {
    hitAt1: round((tally.id.hit1 + tally.name.hit1) / n),
    hitAt5: round((tally.id.hit5 + tally.name.hit5) / n),
    byOrderId: { questions: tally.id.n, hitAt1: round(tally.id.hit1 / tally.id.n), hitAt5: round(tally.id.hit5 / tally.id.n) },
    byCustomerName: { questions: tally.name.n, hitAt1: round(tally.name.hit1 / tally.name.n), hitAt5: round(tally.name.hit5 / tally.name.n) },
  };
}

async function evaluate(embedder: Embedder, file: string, bytes: Buffer, all: Order[], chunking: { size: number; overlap: number; embedBatch: number }, passageChars: number | null, configured: SearchMode) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'docent-sheet-bench-'));
  const store = await openFaissStore({ dir, manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap } });
  try {
    const job = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), documentId: createHash('sha256').update(bytes).digest('hex'), storedPath: file, name: 'orders.xlsx', mediaType: XLSX_MEDIA_TYPE, size: bytes.length } as const;
    const t0 = performance.now();
    // The parser's own grouping runs as in production (parse child); other sizes parse in-process.
    const parser = passageChars === null ? undefined : async () => parseXlsx(bytes, { passageChars });
    const r = await ingestDocument(job, { embedder, store, chunking, ...(parser ? { parser } : {}) });
    const ingestSeconds = (performance.now() - t0) / 1000;
    const modes: Partial<Record<SearchMode, ReturnType<typeof score>>> = {};
    for (const mode of ['dense', 'lexical', 'hybrid'] as const) modes[mode] = score(await ask(createRetriever(embedder, store, { mode }), all));
    return {
      passageChars: passageChars ?? TABLE_PASSAGE_CHARS,
      production: passageChars === null,
      chunks: r.chunks,
      mode: configured,
      ...modes[configured],
      modes,
      ingestSeconds: round(ingestSeconds, 1),
    };
  } finally {
    await store.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

export async function benchSpreadsheetRetrieval(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const modelDir = fs.existsSync(path.join(config.models.embed, 'model.onnx')) ? config.models.embed : testModels().embed;
  const embedder = await createOnnxEmbedder(modelDir, { threads: config.models.threads });
  const all = orders();
  const rows: CellSpec[][] = [HEADER, ...all.map((o) => [o.id, o.customer, o.region, o.product, o.quantity, o.price, { date: o.date }, o.status])];
  const bytes = await makeXlsx([{ name: 'Orders', rows }]);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'docent-sheet-file-'));
  const file = path.join(dir, 'orders.xlsx');
  await fsp.writeFile(file, bytes);
  const chunking = config.chunking;
  try {
    const runs = [];
    for (const size of [null, 400, 1000]) {
      runs.push(await evaluate(embedder, file, bytes, all, chunking, size, config.retrieval.searchMode));
      process.stderr.write(`${JSON.stringify(runs.at(-1))}\n`);
    }
    return {
      table: `${ROWS} rows x ${HEADER.length} columns (orders), one sheet`,
      questions: `${QUESTIONS} about single cells, half naming the order id, half the customer`,
      model: { name: embedder.modelName, dimensions: embedder.dimensions },
      chunking: { size: chunking.size, overlap: chunking.overlap },
      runs,
    };
  } finally {
    await embedder.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
