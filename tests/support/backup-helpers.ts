/**
 * What the backup/restore tests do against a running Docent and its CLIs: upload and wait for
 * ready, ask (returning the sources as document#chunk), vote, read the analytics totals, and run
 * `npm run backup|restore` (the same entrypoints) with given DATA_DIR / VECTORSTORE_DIR.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './processes.ts';

export type Dirs = {
  DATA_DIR: string;
  VECTORSTORE_DIR: string;
};

export function runCli(bin: 'backup.ts' | 'restore.ts', args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/bin', bin), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

export async function upload(base: string, name: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text]), name);
  const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
}

export async function waitReady(base: string, id: string): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const doc = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string };
    if (doc.status === 'ready') return;
    assert.notEqual(doc.status, 'failed');
    assert.ok(Date.now() < end, `document ${id} did not become ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Asked {
  chatId: string;
  answerId: string;
  sources: string[];
}

/** k = 1: documents uploaded later may enter the restored index, and must not change the best passage. */
export async function ask(base: string, question: string): Promise<Asked> {
  const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, settings: { temperature: 0, seed: 1, maxTokens: 12, k: 1 } }) });
  assert.equal(res.status, 200, await res.clone().text());
  const r = (await res.json()) as { chatId: string; answerId: string; sources: Array<{ documentId: string; chunkId: string }> };
  return { chatId: r.chatId, answerId: r.answerId, sources: r.sources.map((s) => `${s.documentId}#${s.chunkId}`) };
}

export async function vote(base: string, answerId: string, v: 'up' | 'down'): Promise<void> {
  const res = await fetch(`${base}/api/votes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answerId, vote: v }) });
  assert.equal(res.status, 202);
}

export interface Totals {
  answers: number;
  votes: { up: number; down: number };
}

export async function totals(base: string): Promise<Totals> {
  const s = (await (await fetch(`${base}/api/analytics/summary?range=all`)).json()) as Totals;
  return { answers: s.answers, votes: s.votes };
}

export async function waitTotals(base: string, want: Totals, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let s = await totals(base);
  while (JSON.stringify(s) !== JSON.stringify(want) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    s = await totals(base);
  }
  assert.deepEqual(s, want);
}

export async function chatsOf(base: string, ids: string[]): Promise<unknown[]> {
  return Promise.all(ids.map(async (id) => (await fetch(`${base}/api/chats/${id}`)).json() as Promise<unknown>));
}
