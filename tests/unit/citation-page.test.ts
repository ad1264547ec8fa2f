/**
 * The citation check on the chat page, the passage view and the APIs, over fake services whose
 * answer cites one supported and one unsupported source (and a number that names none): the [n]
 * links (the unsupported one styled and titled), each source's cited / not cited / unsupported
 * label, the supporting sentence marked in the passage view, the fields on /api/ask and /v1. ask.js
 * and ask-sources.js (through static/citations.js) write the same links with textContent only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import type { Source } from '../../src/contracts/source.ts';
import { FAKE_SOURCE, fakeDocument, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';

const TEXT = 'Lighthouses guide ships <home>. The keeper feeds the cat at 6 pm. Ships carry coal.';
const supported: Source = { ...FAKE_SOURCE, text: TEXT, cited: true, supported: true, support: { start: 32, end: 65, score: 0.84 } };
const unsupported: Source = { ...FAKE_SOURCE, n: 2, chunkId: 'doc-1:1', documentName: 'log <b>.txt', text: 'Coal prices rose.', cited: true, supported: false, support: { start: 0, end: 17, score: 0.31 } };
const uncited: Source = { ...FAKE_SOURCE, n: 3, chunkId: 'doc-1:2', text: 'Unrelated.', cited: false, supported: null };
const ANSWER = 'The cat is fed at 6 pm [1]. The keeper sleeps <late> [2][9].';

function replies(answerId: string): AnswerReply[] {
  const [sources, , , done] = scriptedReplies(answerId);
  return [sources!, { ...(done as Extract<AnswerReply, { type: 'done' }>), answer: ANSWER, sources: [supported, unsupported, uncited] }];
}

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
  srv.services.replies = replies;
});
after(() => srv.close());

const ask = async (): Promise<{ chatId: string; answerId: string; sources: Source[] }> =>
  (await (await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'cat?' }) })).json()) as { chatId: string; answerId: string; sources: Source[] };

void test('/api/ask returns cited, supported and the support range on every source', async () => {
  const body = await ask();
  assert.deepEqual(body.sources.map((s) => [s.n, s.cited, s.supported, s.support?.start ?? null]), [[1, true, true, 32], [2, true, false, 0], [3, false, null, null]]);
});

void test('the reloaded chat page links citations and marks the unsupported one, escaped', async () => {
  const { chatId, answerId } = await ask();
  const page = await (await fetch(`${srv.url}/chats/${chatId}`)).text();
  const turn = page.slice(page.indexOf(`data-answer-id="${answerId}"`));
  const answer = turn.slice(turn.indexOf('class="answer-text'), turn.indexOf('</div>'));
  const href = (chunk: string) => `/documents/doc-1/view?chunk=${encodeURIComponent(chunk)}&amp;answer=${answerId}`;
  assert.ok(answer.includes(`<a class="cite" href="${href('doc-1:0')}" target="_blank" rel="noopener" title="Source 1: handbook.pdf">[1]</a>`), answer);
  assert.ok(answer.includes(`<a class="cite cite-unsupported" href="${href('doc-1:1')}" target="_blank" rel="noopener" title="this source may not support the sentence">[2]</a>`), answer);
  assert.ok(answer.includes('&lt;late&gt; '), 'answer text escaped');
  assert.ok(answer.includes('</a>[9].'), 'a number naming no source stays text');
  const sources = turn.slice(turn.indexOf('<ol class="sources">'));
  const items = sources.split('<li>').slice(1);
  assert.match(items[0]!, /<span class="source-status source-cited">cited<\/span>/);
  assert.match(items[1]!, /<span class="source-status source-unsupported">cited · this source may not support the sentence<\/span>/);
  assert.match(items[1]!, /log &lt;b&gt;\.txt/);
  assert.match(items[2]!, /<span class="source-status source-uncited">not cited<\/span>/);
});

void test('the passage view marks the supporting sentence inside the passage', async () => {
  await fs.mkdir(srv.config.paths.uploads, { recursive: true });
  await fs.writeFile(path.join(srv.config.paths.uploads, 'doc-1'), `Intro.\n${TEXT}\nOutro.`);
  srv.services.docs = [fakeDocument({ mediaType: 'text/plain' })];
  const { answerId } = await ask();
  const page = await (await fetch(`${srv.url}/documents/doc-1/view?chunk=doc-1%3A0&answer=${answerId}`)).text();
  assert.match(page, /<mark id="passage">Lighthouses guide ships &lt;home&gt;\. <mark class="support" id="support" title="the sentence that supports the citation">The keeper feeds the cat at 6 pm\.<\/mark> Ships carry coal\.<\/mark>/);
  assert.equal((await fetch(`${srv.url}/documents/doc-1/view?chunk=doc-1%3A0&answer=`)).status, 400);
});

void test('/v1 message.sources carry the check', async () => {
  const res = await fetch(`${srv.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'docent', messages: [{ role: 'user', content: 'cat?' }] }) });
  const body = (await res.json()) as { choices: Array<{ message: { sources: Array<{ index: number; cited?: boolean; supported?: boolean | null; support?: { start: number } }> } }> };
  assert.deepEqual(body.choices[0]?.message.sources.map((s) => [s.index, s.cited, s.supported, s.support?.start]), [[1, true, true, 32], [2, true, false, 0], [3, false, null, undefined]]);
});

void test('ask.js and ask-sources.js (through citations.js) build the citation links with textContent and the same title', async () => {
  const ask = await fs.readFile(path.resolve(import.meta.dirname, '../../templates/static/ask.js'), 'utf8');
  assert.match(ask, /import \{ renderAnswer \} from '\.\/citations\.js';/);
  assert.match(ask, /renderAnswer\(part\(turn, 'answer-text'\), data\.answer, data\.sources, data\.answerId\);/);
  const sources = await fs.readFile(path.resolve(import.meta.dirname, '../../templates/static/ask-sources.js'), 'utf8');
  assert.match(sources, /import \{ citationStatus, placeOf, sourceHref \} from '\.\/citations\.js';/);
  const js = await fs.readFile(path.resolve(import.meta.dirname, '../../templates/static/citations.js'), 'utf8');
  const block = js.slice(js.indexOf('function renderAnswer'), js.indexOf('function citationStatus'));
  assert.match(js, /const UNSUPPORTED_TITLE = 'this source may not support the sentence';/);
  assert.match(block, /a\.className = s\.supported === false \? 'cite cite-unsupported' : 'cite';/);
  assert.match(block, /a\.textContent = `\[\$\{n\}\]`/);
  assert.doesNotMatch(block, /innerHTML|insertAdjacentHTML/);
});
