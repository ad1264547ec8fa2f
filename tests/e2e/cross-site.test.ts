/**
 * Cross-site attacks from a real Chromium against the REAL all-in-one service. A Docent user, with
 * Docent open (so the browser holds Docent's session cookie), visits a page served from another
 * origin on the same machine (another port of 127.0.0.1: same site, other origin, so SameSite
 * cookies still travel). That page tries what such pages can do without reading any response:
 *   - upload a document (multipart no-cors fetch, to the API and to the page's htmx route),
 *   - change a vote and ask a question (plain HTML form posts, form-encoded and text/plain JSON),
 *   - start a re-index (a no-cors POST without a body).
 * Each attempt is refused, and nothing changes: the same documents, the same chats, the same votes,
 * the same index version. Then DNS rebinding: Chromium resolves attacker.example to 127.0.0.1
 * (--host-resolver-rules), so a page under that name is served by Docent's own port; Docent answers
 * 421 and shows nothing, pages or data.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startE2eService, type E2eService } from '../support/e2e-service.ts';

const LEGIT = 'The harbour ferry leaves at nine every morning from pier four.';
let svc: E2eService | undefined;
let vectorstore = '';

before(async () => {
  const os = await import('node:os');
  vectorstore = await fsp.mkdtemp(path.join(os.tmpdir(), 'docent-e2e-xsite-vs-'));
  svc = await startE2eService({ VECTORSTORE_DIR: vectorstore }, { chromiumArgs: ['--host-resolver-rules=MAP attacker.example 127.0.0.1'] });
});

after(async () => {
  await svc?.close();
  await fsp.rm(vectorstore, { recursive: true, force: true });
});

async function api<T>(pathname: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${svc!.baseUrl}${pathname}`, init);
  assert.ok(res.ok, `${init?.method ?? 'GET'} ${pathname}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${ms / 1000} s; service output:\n${svc!.tail()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

interface Doc { id: string; name: string; status: string; stage?: string | null }
interface Summary { answers: number; votes: { up: number; down: number } }

/** The attacker's page: forms and no-cors fetches aimed at Docent, reporting when all were sent. */
function attackerPage(target: string, answerId: string): string {
  return `<!doctype html><html><body>
<iframe name="f1"></iframe><iframe name="f2"></iframe><iframe name="f3"></iframe>
<form id="vote" method="POST" action="${target}/api/votes" target="f1">
  <input name="answerId" value="${answerId}"><input name="vote" value="down"></form>
<form id="ask" method="POST" action="${target}/api/ask" target="f2"><input name="question" value="What is the planted fact?"></form>
<form id="askjson" method="POST" action="${target}/api/ask" target="f3" enctype="text/plain">
  <input name='{"question":"Planted question","x":"' value='"}'></form>
<script>
(async () => {
  const T = ${JSON.stringify(target)};
  const sent = [];
  const attempt = async (name, url, init) => {
    try { await fetch(url, { mode: 'no-cors', credentials: 'include', ...init }); sent.push(name); }
    catch (e) { sent.push(name + ': ' + e.message); }
  };
  const planted = () => { const fd = new FormData(); fd.append('file', new Blob(['Planted fact: the ferry code is EVIL-SEVEN.'], { type: 'text/plain' }), 'planted.txt'); return fd; };
  await attempt('upload api', T + '/api/documents', { method: 'POST', body: planted() });
  await attempt('upload page', T + '/documents', { method: 'POST', body: planted() });
  await attempt('reindex', T + '/api/index/reindex', { method: 'POST' });
  await attempt('vote text/plain json', T + '/api/votes', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ answerId: ${JSON.stringify(answerId)}, vote: 'down' }) });
  const loaded = (name) => new Promise((r) => { document.querySelector('iframe[name=' + name + ']').onload = r; setTimeout(r, 5000); });
  for (const [form, frame] of [['vote', 'f1'], ['ask', 'f2'], ['askjson', 'f3']]) {
    const done = loaded(frame);
    document.getElementById(form).submit();
    await done;
    sent.push('form ' + form);
  }
  window.attackDone = sent;
})();
</script></body></html>`;
}

void test('a page on another origin cannot upload, vote, ask or re-index through a Docent user\'s browser', async () => {
  assert.ok(svc, 'service started');
  const { baseUrl, browser } = svc;

  // The user's own state: one ready document, one chat with an answer, one up vote.
  const form = new FormData();
  form.append('file', new Blob([LEGIT], { type: 'text/plain' }), 'harbour.txt');
  const [legit] = (await api<{ documents: Doc[] }>('/api/documents', { method: 'POST', body: form })).documents;
  await until('the document ready', async () => (await api<{ documents: Doc[] }>('/api/documents')).documents[0]?.status === 'ready');
  const asked = await api<{ answerId: string; chatId: string }>('/api/ask', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'When does the ferry leave?', settings: { maxTokens: 24 } }),
  });
  await api('/api/votes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answerId: asked.answerId, vote: 'up' }) });
  await until('the up vote in analytics', async () => (await api<Summary>('/api/analytics/summary?range=all')).votes.up === 1);
  const current = await fsp.readFile(path.join(vectorstore, 'CURRENT'), 'utf8');

  // The user has Docent open in this browser: it holds Docent's session cookie.
  const context = await browser.newContext();
  const docent = await context.newPage();
  await docent.goto(`${baseUrl}/documents`);
  await docent.waitForSelector('#document-list');
  assert.ok((await context.cookies(baseUrl)).some((c) => c.name === 'docent_session'), 'the page started a session');

  // The attacker's page, another port of the same host.
  const attacker = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(attackerPage(baseUrl, asked.answerId));
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  const refusals: string[] = [];
  const page = await context.newPage();
  page.on('response', (r) => {
    if (r.url().startsWith(baseUrl)) refusals.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
  });
  try {
    await page.goto(attackerUrl);
    const sent = await page.waitForFunction(() => (window as unknown as { attackDone?: string[] }).attackDone, undefined, { timeout: 30_000 });
    assert.equal(((await sent.jsonValue()) as string[]).length, 7, 'every attempt was sent');
  } finally {
    attacker.closeAllConnections();
    attacker.close();
  }
  // The form posts are navigations whose responses the test sees: each one refused.
  for (const line of refusals.filter((l) => l.startsWith('POST'))) assert.match(line, / 40[13]$| 415$/, line);
  assert.ok(refusals.filter((l) => l.startsWith('POST')).length >= 3, `responses seen: ${refusals.join(', ')}`);

  // Time for anything that did get through to show (an ingest, a vote, a re-index take well under this).
  await new Promise((r) => setTimeout(r, 4000));
  const docs = (await api<{ documents: Doc[] }>('/api/documents')).documents;
  assert.deepEqual(docs.map((d) => [d.id, d.status]), [[legit!.id, 'ready']], 'no planted document, no re-index');
  const chats = (await api<{ chats: { id: string }[] }>('/api/chats')).chats;
  assert.deepEqual(chats.map((c) => c.id), [asked.chatId], 'no question asked by the attacker');
  const summary = await api<Summary>('/api/analytics/summary?range=all');
  assert.deepEqual([summary.answers, summary.votes.up, summary.votes.down], [1, 1, 0], 'the vote is unchanged');
  assert.equal(await fsp.readFile(path.join(vectorstore, 'CURRENT'), 'utf8'), current, 'the index version is unchanged');
  const hits = await api<{ results: { text: string }[] }>('/api/search?q=ferry%20code&k=5');
  assert.ok(hits.results.every((h) => !h.text.includes('EVIL-SEVEN')), 'the planted text is not searchable');

  // The user's own page still works: the session token goes with its requests.
  await docent.reload();
  const row = docent.locator('#document-list tr', { hasText: 'harbour.txt' });
  await row.waitFor();

  // DNS rebinding: a page under attacker.example that resolves to Docent's own address.
  const port = new URL(baseUrl).port;
  for (const p of ['/', '/api/chats', '/api/documents', `/chats/${asked.chatId}`]) {
    const res = await page.goto(`http://attacker.example:${port}${p}`);
    assert.equal(res?.status(), 421, p);
    const text = await page.innerText('body');
    assert.match(text, /ALLOWED_HOSTS/);
    assert.ok(!text.includes(asked.chatId) && !text.includes('harbour'), `${p} showed nothing of the user's data`);
  }
  await context.close();
});
