/**
 * The lexical index across processes on the real RabbitMQ, with the small real models: an ingest
 * worker, an answer worker and a web, each its own process. A document ingested by the ingest
 * worker is found by its words alone (SEARCH_MODE=lexical: BM25, no embedding) in the web's search
 * and in the answer worker's retrieval, which loaded the new index version with its lexical index;
 * once deleted it is gone from both. Hybrid search (the web restarted would be slow: a second web
 * in hybrid mode on the same index) finds it too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerUrls } from '../support/brokers-env.ts';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';

const procs: RoleProcess[] = [];
let lexicalWeb: string;
let hybridWeb: string;
let tmp: string;
const prefix = `t${randomBytes(4).toString('hex')}.`;

interface Hit { documentName: string; text: string; score: number }

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

async function api<T>(base: string, method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) fail(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function upload(name: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const res = await fetch(`${lexicalWeb}/api/documents`, { method: 'POST', body: form });
  if (res.status !== 202) fail(`upload ${name} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
}

async function settled(id: string, want: 'ready' | 'gone'): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${lexicalWeb}/api/documents/${id}`);
    if (want === 'gone' && res.status === 404) return;
    const d = (await res.json()) as { status?: string };
    if (want === 'ready' && d.status === 'ready') return;
    if (d.status === 'failed' || Date.now() > end) fail(`document ${id} not ${want}: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const search = (base: string, q: string) => api<{ results: Hit[] }>(base, 'GET', `/api/search?q=${encodeURIComponent(q)}&k=3`).then((r) => r.results);
const ask = (q: string) => api<{ sources: Hit[] }>(lexicalWeb, 'POST', '/api/ask', { question: q, settings: { k: 3, maxTokens: 1, temperature: 0 } }).then((r) => r.sources);

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-hybrid-'));
  const [p1, p2] = [await freePort(), await freePort()];
  lexicalWeb = `http://127.0.0.1:${p1}`;
  hybridWeb = `http://127.0.0.1:${p2}`;
  const common = { AMQP_URL: brokerUrls().amqpUrl, AMQP_PREFIX: prefix, KAFKA_BROKERS: '', ...testRoleEnv(path.join(tmp, 'vectorstore')) };
  const ingest = startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'ingest') });
  const answer = startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'answer'), WORKER_ID: 'answer-a', SEARCH_MODE: 'lexical' });
  const web = startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(p1), SEARCH_MODE: 'lexical' });
  const web2 = startRole('web-hybrid', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web2'), PORT: String(p2), SEARCH_MODE: 'hybrid' });
  procs.push(ingest, answer, web, web2);
  await Promise.all([
    waitForOutput(ingest, 'ingest worker ready', 120_000),
    waitForOutput(answer, 'answer worker ready', 120_000),
    waitForHttp(`${lexicalWeb}/readyz`, 120_000, procs),
    waitForHttp(`${hybridWeb}/readyz`, 120_000, procs),
  ]);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
  await deleteRabbitPrefix(prefix);
});

void test('a document ingested in one process is found by its words in the others, and is gone from them once deleted', async () => {
  const filler = await upload('harbour.txt', 'The harbour opens at six. Ferries leave from the south pier every hour.');
  const valve = await upload('valve-manual.txt', 'Fault code QZX4471 means the intake valve is stuck. Close the supply before opening the housing.');
  await settled(filler, 'ready');
  await settled(valve, 'ready');

  const lexical = await search(lexicalWeb, 'QZX4471');
  assert.equal(lexical.length, 1, `only the valve manual holds the code: ${JSON.stringify(lexical)}`);
  assert.equal(lexical[0]!.documentName, 'valve-manual.txt');
  assert.ok(lexical[0]!.score > 0, 'a BM25 score');
  const hybrid = await search(hybridWeb, 'what does fault QZX4471 mean');
  assert.equal(hybrid[0]!.documentName, 'valve-manual.txt', `hybrid ranks it first: ${JSON.stringify(hybrid.map((h) => h.documentName))}`);
  const sources = await ask('What does QZX4471 mean?');
  assert.deepEqual(sources.map((s) => s.documentName), ['valve-manual.txt'], 'the answer worker finds it lexically');

  await api(lexicalWeb, 'DELETE', `/api/documents/${valve}`);
  await settled(valve, 'gone');
  assert.deepEqual(await search(lexicalWeb, 'QZX4471'), [], 'gone from the web');
  assert.ok(!(await search(hybridWeb, 'what does fault QZX4471 mean')).some((h) => h.documentName === 'valve-manual.txt'), 'gone from hybrid search');
  // The answer worker reloads on index.updates; "gone" means out of every process's index.
  assert.deepEqual((await ask('What does QZX4471 mean?')).map((s) => s.documentName), [], 'gone from the answer worker');
});
