/**
 * The acceptance journey over the JSON API, shared by the all-in-one and the multi-process tests:
 * upload a PDF (and an unrelated text), wait for ready, ask a question only the PDF answers and
 * read the streamed answer, vote up, and see the answer, its vote, latency and sentiment in the
 * analytics summary.
 */
import assert from 'node:assert/strict';
import { makePdf } from './make-pdf.ts';
import { readSse } from './sse.ts';

export const FACT_PAGES = [
  'Harbour guide. This guide describes the small harbours of the northern coast and their keepers.',
  'The lighthouse of Qorvath harbour is kept by Ilsabet Marrow. Ilsabet Marrow has kept the Qorvath light since 1987, and she repaints the tower every spring.',
];
export const QUESTION = 'Who keeps the lighthouse of Qorvath harbour?';
const DISTRACTOR = 'Gardening notes.\n\nTomatoes need six hours of sun a day. Water them at the roots in the morning, and stake the plants before they flower.';

interface DocBody {
  id: string;
  name: string;
  status: string;
  error?: string | null;
  pages?: number | null;
  chunks?: number | null;
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms`);
}

export interface FlowResult {
  answerId: string;
  answer: string;
  tokenEvents: number;
  firstTokenAtMs: number;
  doneAtMs: number;
}

export async function acceptanceFlow(base: string): Promise<FlowResult> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(makePdf(FACT_PAGES))], { type: 'application/pdf' }), 'harbour-guide.pdf');
  form.append('file', new Blob([DISTRACTOR], { type: 'text/plain' }), 'gardening.txt');
  const uploaded = await json<{ documents: DocBody[] }>(await fetch(`${base}/api/documents`, { method: 'POST', body: form }), 202);
  assert.equal(uploaded.documents.length, 2);
  const pdf = uploaded.documents.find((d) => d.name === 'harbour-guide.pdf');
  assert.ok(pdf, 'the PDF is among the uploaded documents');

  for (const doc of uploaded.documents) {
    const ready = await poll(`${doc.name} ready`, 180_000, async () => {
      const d = await json<DocBody>(await fetch(`${base}/api/documents/${doc.id}`), 200);
      if (d.status === 'failed') throw new Error(`${doc.name} failed: ${d.error}`);
      return d.status === 'ready' ? d : undefined;
    });
    assert.ok((ready.chunks ?? 0) >= 1, `${doc.name} has chunks`);
  }
  const pdfDoc = await json<DocBody>(await fetch(`${base}/api/documents/${pdf.id}`), 200);
  assert.equal(pdfDoc.pages, 2);

  const startedAt = Date.now();
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question: QUESTION, settings: { temperature: 0, maxTokens: 48, k: 2, seed: 7 } }),
  });
  if (res.status !== 200) assert.fail(`ask answered ${res.status}: ${await res.text()}`);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events = await readSse(res, startedAt);
  const kinds = events.map((e) => e.event);
  assert.ok(!kinds.includes('error'), `no error event: ${JSON.stringify(events.find((e) => e.event === 'error'))}`);
  const sources = events.find((e) => e.event === 'sources')?.data as Array<{ documentId: string; documentName: string; page: number | null }>;
  assert.ok(sources && sources.length > 0, 'sources arrive');
  assert.equal(sources[0]?.documentName, 'harbour-guide.pdf', 'the best source is the PDF');
  assert.equal(sources[0]?.page, 2, 'the source cites the page holding the fact');
  const tokens = events.filter((e) => e.event === 'token');
  assert.ok(tokens.length >= 1, 'tokens stream before the end');
  const done = events.at(-1);
  assert.equal(done?.event, 'done');
  const final = done.data as { answerId: string; answer: string; sources: Array<{ documentId: string }>; worker: string; timings: { totalMs: number } };
  assert.ok(final.answer.length > 0, 'a non-empty answer');
  assert.equal(final.sources[0]?.documentId, pdf.id, 'the final answer cites the PDF');
  assert.ok(final.worker.length > 0, 'the answering worker is named');
  assert.ok(tokens[0]!.at <= done.at);
  if (tokens.length > 1) assert.ok(tokens[0]!.at < done.at, 'the first tokens arrive before the answer is complete (streamed, not buffered)');

  assert.equal((await fetch(`${base}/api/votes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answerId: final.answerId, vote: 'up' }) })).status, 202);

  await poll('analytics shows the answer and its vote', 60_000, async () => {
    const s = await json<{
      answers: number;
      votes: { up: number; down: number };
      satisfaction: number | null;
      latencyMs: { total: { p50: number | null } };
      sentiment: { question: number | null; answer: number | null };
      recent: Array<{ answerId: string; vote: string | null; totalMs: number }>;
    }>(await fetch(`${base}/api/analytics/summary?range=all`), 200);
    const row = s.recent.find((r) => r.answerId === final.answerId);
    if (!row || row.vote !== 'up') return undefined;
    assert.equal(s.answers, 1);
    assert.deepEqual(s.votes, { up: 1, down: 0 });
    assert.equal(s.satisfaction, 1);
    assert.ok((s.latencyMs.total.p50 ?? 0) > 0, 'latency recorded');
    assert.ok(row.totalMs > 0);
    assert.equal(typeof s.sentiment.question, 'number');
    assert.equal(typeof s.sentiment.answer, 'number');
    return s;
  });
  return { answerId: final.answerId, answer: final.answer, tokenEvents: tokens.length, firstTokenAtMs: tokens[0]!.at, doneAtMs: done.at };
}
