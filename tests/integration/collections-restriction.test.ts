/**
 * Collections across processes on the real RabbitMQ, with the small real models: a web, an ingest
 * worker and an answer worker, each its own process. Two collections hold near-duplicates of each
 * other (the same sentences, another name in each). Questions asked over one collection, while
 * documents are being added to and deleted from the other, are grounded in that collection alone
 * and get exactly k passages (it holds more than k); the web's search obeys the same restriction.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerUrls } from '../support/brokers-env.ts';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { startRolesApart, type RoleProcess } from '../support/processes.ts';

/** Adaptive k off: all k passages reach the answer, so their count shows that none came from elsewhere. */
const ALL_K = { PROMPT_MAX_SCORE_GAP: 'off' };
const K = 4;
const procs: RoleProcess[] = [];
let base: string;
let tmp: string;
const prefix = `t${randomBytes(4).toString('hex')}.`;

interface Source { documentName: string; collectionId: string; text: string }

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

/** A one-passage document about pier `n`, its keeper named after the collection. */
function pierText(n: number, keeper: string): string {
  return `Pier ${n} of Qorvath harbour is kept by ${keeper}. The keeper of pier ${n} checks the moorings at dawn.`;
}

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${url}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 300) fail(`${method} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function upload(name: string, text: string, collection: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const res = await fetch(`${base}/api/documents?collection=${encodeURIComponent(collection)}`, { method: 'POST', body: form });
  if (res.status !== 202) fail(`upload ${name} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
}

async function settled(id: string, want: 'ready' | 'gone'): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${base}/api/documents/${id}`);
    if (want === 'gone' && res.status === 404) return;
    const d = (await res.json()) as { status?: string };
    if (want === 'ready' && d.status === 'ready') return;
    if (d.status === 'failed' || Date.now() > end) fail(`document ${id} not ${want}: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let alpha: string;
let beta: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-collections-'));
  ({ base } = await startRolesApart({ tmp, amqpUrl: brokerUrls().amqpUrl, prefix, procs, answerEnv: ALL_K }));
  alpha = (await api<{ id: string }>('POST', '/api/collections', { name: 'Alpha', description: 'the real keepers' })).id;
  beta = (await api<{ id: string }>('POST', '/api/collections', { name: 'Beta', description: 'near-duplicates' })).id;
  const ids: string[] = [];
  for (let n = 1; n <= 6; n++) {
    ids.push(await upload(`alpha-pier-${n}.txt`, pierText(n, 'Ilsabet Marrow'), 'Alpha'));
    ids.push(await upload(`beta-pier-${n}.txt`, pierText(n, 'Oswin Tarrant'), beta));
  }
  for (const id of ids) await settled(id, 'ready');
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
  await deleteRabbitPrefix(prefix);
});

function assertOnly(sources: Source[], collectionId: string, what: string): void {
  assert.equal(sources.length, K, `${what}: exactly k passages (the collection holds more): ${JSON.stringify(sources.map((s) => s.documentName))}`);
  for (const s of sources) assert.equal(s.collectionId, collectionId, `${what}: ${s.documentName} is from another collection`);
}

void test('answers and searches over one collection never see the other, while the other changes', async () => {
  // The other collection changes meanwhile: near-duplicates added, some of its documents deleted.
  const churn = (async () => {
    const added: string[] = [];
    for (let n = 7; n <= 10; n++) added.push(await upload(`beta-pier-${n}.txt`, pierText(n, 'Oswin Tarrant'), 'Beta'));
    const list = await api<{ documents: Array<{ id: string; name: string }> }>('GET', '/api/documents?limit=500');
    const deleted = list.documents.filter((x) => /^beta-pier-[12]\.txt$/.test(x.name)).map((d) => d.id);
    assert.equal(deleted.length, 2);
    for (const id of deleted) await api('DELETE', `/api/documents/${id}`);
    // Ready and gone mean "in every process's index" and "out of it": wait for both.
    for (const id of added) await settled(id, 'ready');
    for (const id of deleted) await settled(id, 'gone');
  })();
  const questions = [1, 2, 3, 4, 5, 6].map((n) => `Who keeps pier ${n} of Qorvath harbour?`);
  for (const [i, question] of questions.entries()) {
    // By name and by id: both name a collection.
    const collections = i % 2 === 0 ? ['Alpha'] : [alpha];
    const reply = await api<{ sources: Source[] }>('POST', '/api/ask', { question, collections, settings: { k: K, maxTokens: 1, temperature: 0 } });
    assertOnly(reply.sources, alpha, `ask over Alpha, "${question}"`);
    const search = await api<{ results: Array<{ documentName: string; text: string; collection: { id: string } | null }> }>('GET', `/api/search?q=${encodeURIComponent(question)}&k=${K}&collections=Beta`);
    assertOnly(search.results.map((r) => ({ ...r, collectionId: r.collection?.id ?? '' })), beta, `search over Beta, "${question}"`);
  }
  await churn;
  const reply = await api<{ sources: Source[] }>('POST', '/api/ask', { question: 'Who keeps pier 9 of Qorvath harbour?', collections: ['Beta'], settings: { k: K, maxTokens: 1, temperature: 0 } });
  assertOnly(reply.sources, beta, 'ask over Beta after the churn');
  assert.ok(reply.sources.some((s) => s.documentName === 'beta-pier-9.txt'), 'a document added meanwhile is searchable in the answer worker');
  assert.ok(!reply.sources.some((s) => /^beta-pier-[12]\.txt$/.test(s.documentName)), 'deleted documents are gone from the answer worker');
});
