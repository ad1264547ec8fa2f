/**
 * Rights hold across processes on the real RabbitMQ, with the small real models: a web, an ingest
 * worker and an answer worker, each its own process. Two collections hold near-duplicates of each
 * other; a member may read one of them. Their questions (Docent's API and the OpenAI-compatible
 * one, naming no collection) and searches are grounded in the readable collection alone, naming the
 * other is a 404 and nothing is asked; an admin's question over all of them does reach the other,
 * so the test would see a leak. Users are added to the web's account store as `npm run users`
 * does, while the web runs (sign-in turns on without a restart).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
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

interface Source { documentName: string; collectionId: string }

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

const pierText = (n: number, keeper: string): string => `Pier ${n} of Qorvath harbour is kept by ${keeper}. The keeper of pier ${n} checks the moorings at dawn.`;

async function call(method: string, url: string, body?: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return fetch(`${base}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}
async function api<T>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const res = await call(method, url, body, token);
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

async function ready(id: string): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status?: string };
    if (d.status === 'ready') return;
    if (d.status === 'failed' || Date.now() > end) fail(`document ${id} not ready: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let alpha: string;
let beta: string;
let accounts: Accounts;
let member: string;
let admin: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-rights-'));
  ({ base } = await startRolesApart({ tmp, amqpUrl: brokerUrls().amqpUrl, prefix, procs, answerEnv: ALL_K }));
  // Still single-user: the library is filled without signing in.
  alpha = (await api<{ id: string }>('POST', '/api/collections', { name: 'Alpha' })).id;
  beta = (await api<{ id: string }>('POST', '/api/collections', { name: 'Beta' })).id;
  const ids: string[] = [];
  for (let n = 1; n <= 6; n++) {
    ids.push(await upload(`alpha-pier-${n}.txt`, pierText(n, 'Ilsabet Marrow'), 'Alpha'));
    ids.push(await upload(`beta-pier-${n}.txt`, pierText(n, 'Oswin Tarrant'), 'Beta'));
  }
  for (const id of ids) await ready(id);
  // The web's own account store, as `npm run users -- add` opens it.
  accounts = new Accounts(new AccountStore(path.join(tmp, 'web', 'accounts.db')), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, scrypt: { logN: 10, r: 8, p: 1 } });
  const ada = await accounts.addUser('ada', 'admin', 'ada-password');
  const bob = await accounts.addUser('bob', 'member', 'bob-password');
  accounts.rights.grant(alpha, 'bob', 'read');
  admin = accounts.createToken(ada.id, 'test').token;
  member = accounts.createToken(bob.id, 'test').token;
});

after(async () => {
  accounts?.close();
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
  await deleteRabbitPrefix(prefix);
});

const settings = { k: K, maxTokens: 1, temperature: 0 };

void test("a member's question never retrieves from a collection they may not read", async () => {
  assert.equal((await call('GET', '/api/collections')).status, 401, 'sign-in is on once users exist');
  for (const n of [1, 2, 3, 4]) {
    const question = `Who keeps pier ${n} of Qorvath harbour?`;
    const reply = await api<{ sources: Source[] }>('POST', '/api/ask', { question, settings }, member);
    assert.equal(reply.sources.length, K, JSON.stringify(reply.sources.map((s) => s.documentName)));
    for (const s of reply.sources) assert.equal(s.collectionId, alpha, `${question}: ${s.documentName} is from a collection bob may not read`);
    const search = await api<{ results: Array<{ documentName: string; collection: { id: string } | null }> }>('GET', `/api/search?q=${encodeURIComponent(question)}&k=${K}`, undefined, member);
    for (const r of search.results) assert.equal(r.collection?.id, alpha, `search: ${r.documentName}`);
  }
  const openai = await api<{ sources: Array<{ document_name?: string; collection?: { id: string } | null; collection_id?: string }> }>(
    'POST', '/v1/chat/completions', { model: 'docent', messages: [{ role: 'user', content: 'Who keeps pier 5 of Qorvath harbour?' }], max_tokens: 1, temperature: 0 }, member,
  );
  assert.ok(JSON.stringify(openai).includes('alpha-pier'), 'the OpenAI-compatible answer cites Alpha');
  assert.ok(!JSON.stringify(openai).includes('beta-pier'), 'and never Beta');

  const named = await call('POST', '/api/ask', { question: 'Who keeps pier 1?', collections: ['Beta'], settings }, member);
  assert.equal(named.status, 404, 'naming a collection bob may not read is a 404');
  assert.equal((await call('POST', '/v1/chat/completions', { model: 'docent:Beta', messages: [{ role: 'user', content: 'Who keeps pier 1?' }] }, member)).status, 404);

  // The admin asks over every collection: Beta's near-duplicates do come up (the member's were kept out).
  const all: Source[] = [];
  for (const n of [1, 2, 3, 4]) all.push(...(await api<{ sources: Source[] }>('POST', '/api/ask', { question: `Who keeps pier ${n} of Qorvath harbour?`, settings }, admin)).sources);
  assert.ok(all.some((s) => s.collectionId === beta), `an unrestricted question reaches Beta: ${JSON.stringify(all.map((s) => s.documentName))}`);
});
