/** Chats: the store, the chat API and pages over fake services, regenerate, passages, and follow-up condensing. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chatTitle, SqliteChatStore } from '../../src/chats/chat-store.ts';
import { askInChat, regenerate } from '../../src/asking/chat-answers.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { turnView } from '../../templates/chat.ts';
import { around, locate } from '../../src/chats/passages.ts';
import { cleanCondensed, condenseQuestion } from '../../src/answer/condense.ts';
import { buildPrompt } from '../../src/answer/prompt.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import { FAKE_SOURCE, fakeDocument, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';

const done = (answerId: string, answer: string) => ({ ...(scriptedReplies(answerId)[3] as Extract<ReturnType<typeof scriptedReplies>[number], { type: 'done' }>), answer, answerId });

void describe('chat store', () => {
  void test('turns, history (last 3 finished, before a turn), settings, delete', () => {
    const s = new SqliteChatStore(':memory:');
    s.create({ id: 'c', question: 'First question?', settings: DEFAULT_SETTINGS }, 1);
    for (let i = 1; i <= 5; i++) {
      s.addTurn('c', { id: `t${i}`, answerId: `a${i}`, question: `q${i}`, settings: { ...DEFAULT_SETTINGS, temperature: i / 10 } }, i);
      if (i !== 4) s.complete(`t${i}`, done(`a${i}`, `answer ${i}`), { ...DEFAULT_SETTINGS, temperature: i / 10 }, i);
    }
    s.fail('t4', 'error', 'boom');
    const chat = s.get('c')!;
    assert.equal(chat.title, 'First question?');
    assert.equal(chat.turnCount, 5);
    assert.deepEqual(chat.turns.map((t) => t.status), ['done', 'done', 'done', 'error', 'done']);
    assert.equal(chat.settings.temperature, 0.5, 'the last settings are the chat settings');
    assert.deepEqual(s.history('c').map((h) => h.question), ['q2', 'q3', 'q5'], 'the failed turn is not history');
    assert.deepEqual(s.history('c', 't3').map((h) => h.question), ['q1', 'q2']);
    assert.equal(s.findAnswer('a2')?.turn.id, 't2');
    assert.equal(s.findSource('doc-1', 'doc-1:0')?.documentName, 'handbook.pdf');
    assert.equal(s.findSource('doc-1', 'doc-1:9'), undefined);
    // Regenerating replaces the answer and its id; an error later does not wipe it.
    s.complete('t2', done('a2b', 'better answer'), DEFAULT_SETTINGS);
    s.fail('t2', 'error', 'late failure');
    assert.equal(s.findAnswer('a2'), undefined);
    assert.equal(s.findAnswer('a2b')?.turn.answer, 'better answer');
    assert.equal(s.findAnswer('a2b')?.turn.status, 'done');
    assert.equal(s.delete('c'), true);
    assert.equal(s.get('c'), undefined);
    assert.equal(s.findAnswer('a1'), undefined, 'turns go with their chat');
    s.close();
  });

  void test('title: first question on one line, cut at a word', () => {
    assert.equal(chatTitle('  What\nis  this? '), 'What is this?');
    const t = chatTitle('word '.repeat(40));
    assert.ok(t.length <= 81 && t.endsWith('…'), t);
  });
});

void describe('stopped answers keep their partial text', () => {
  /** An answer service whose replies are `script` for the answer id it makes. */
  const scripted = (script: (answerId: string) => AnswerReply[]) => {
    let n = 0;
    return {
      ask: () => {
        const answerId = `ans-${++n}`;
        const replies = (async function* () {
          // One reply per tick, as replies arrive from a queue.
          for (const r of script(answerId)) yield await Promise.resolve(r);
        })();
        return Promise.resolve({ answerId, chatId: 'x', replies });
      },
    };
  };
  const sources = (answerId: string, attempt = 1): AnswerReply => ({ v: 1, answerId, type: 'sources', attempt, worker: 'w', sources: [FAKE_SOURCE] });
  const token = (answerId: string, seq: number, text: string): AnswerReply => ({ v: 1, answerId, type: 'token', seq, text });

  void test('Stop (leaving the stream) saves the text so far and its sources, shown when reopened; regenerate replaces it', async () => {
    const chats = new SqliteChatStore(':memory:');
    const answers = scripted((id) => [sources(id), token(id, 0, 'The keeper '), token(id, 1, 'feeds <b>the</b> cat'), token(id, 2, ' at six.'), ...scriptedReplies(id).slice(3)]);
    const handle = await askInChat({ chats, answers }, { question: 'Who feeds the cat?', settings: DEFAULT_SETTINGS });
    let seen = 0;
    for await (const r of handle.replies) if (r.type === 'token' && ++seen === 2) break; // the user pressed Stop
    const turn = chats.get(handle.chatId)!.turns[0]!;
    assert.equal(turn.status, 'stopped');
    assert.equal(turn.answer, 'The keeper feeds <b>the</b> cat');
    assert.equal(turn.sources[0]?.documentName, 'handbook.pdf');
    assert.deepEqual(chats.history(handle.chatId), [], 'a partial answer is not history for a follow-up');
    const shown = turnView(turn).value;
    assert.match(shown, /<div class="answer-text answer-partial">The keeper feeds &lt;b&gt;the&lt;\/b&gt; cat<\/div>/);
    assert.match(shown, /Stopped before the answer was complete/);
    assert.match(shown, /class="vote-choice" hidden/, 'a partial answer is not voted on');
    assert.doesNotMatch(shown, /class="vote" hidden/, 'but it can be regenerated');
    // Regenerate it to the end: the complete answer replaces the partial one.
    const again = await regenerate({ chats, answers }, { answerId: turn.answerId });
    for await (const _ of again.replies);
    const done = chats.get(handle.chatId)!.turns[0]!;
    assert.deepEqual([done.status, done.answer], ['done', 'At 6 pm [1].']);
    assert.doesNotMatch(turnView(done).value, /answer-partial/);
    chats.close();
  });

  void test('a deadline error keeps the text; a restart on another worker drops the text before it', async () => {
    const chats = new SqliteChatStore(':memory:');
    const answers = scripted((id) => [
      sources(id),
      token(id, 0, 'lost words'),
      sources(id, 2),
      token(id, 0, 'Kept words'),
      { v: 1, answerId: id, type: 'error', message: 'The answer took longer than the time limit and was stopped.', retryable: true },
    ]);
    const handle = await askInChat({ chats, answers }, { question: 'q', settings: DEFAULT_SETTINGS });
    for await (const _ of handle.replies);
    const turn = chats.get(handle.chatId)!.turns[0]!;
    assert.deepEqual([turn.status, turn.answer, turn.error], ['error', 'Kept words', 'The answer took longer than the time limit and was stopped.']);
    // A stop with no text yet leaves no answer, only the note.
    chats.addTurn(handle.chatId, { id: 't2', answerId: 'a2', question: 'q2', settings: DEFAULT_SETTINGS });
    chats.fail('t2', 'stopped', 'Stopped before the answer was complete.', { text: '', sources: [] });
    assert.equal(chats.get(handle.chatId)!.turns[1]!.answer, null);
    chats.close();
  });

  void test('a stop while regenerating a complete answer keeps the complete one', () => {
    const chats = new SqliteChatStore(':memory:');
    chats.create({ id: 'c', question: 'q', settings: DEFAULT_SETTINGS });
    chats.addTurn('c', { id: 't', answerId: 'a', question: 'q', settings: DEFAULT_SETTINGS });
    chats.complete('t', done('a', 'whole answer'), DEFAULT_SETTINGS);
    chats.fail('t', 'stopped', 'stopped', { text: 'half', sources: [] });
    assert.deepEqual([chats.get('c')!.turns[0]!.status, chats.get('c')!.turns[0]!.answer], ['done', 'whole answer']);
    chats.close();
  });
});

void describe('chat list pages and renaming', () => {
  void test('pages: newest first, every chat once, stable across equal times, next null at the end', () => {
    const s = new SqliteChatStore(':memory:');
    // 230 chats, several sharing a time, so the id decides between them.
    for (let i = 0; i < 230; i++) s.create({ id: `c${String(i).padStart(3, '0')}`, question: `Q ${i}`, settings: DEFAULT_SETTINGS }, 1000 + Math.floor(i / 3));
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = s.page({ limit: 50, before });
      seen.push(...page.chats.map((c) => c.id));
      before = page.next ?? undefined;
      pages++;
    } while (before);
    assert.equal(pages, 5);
    assert.equal(seen.length, 230);
    assert.equal(new Set(seen).size, 230, 'no chat twice');
    assert.deepEqual(seen, s.list().map((c) => c.id), 'pages in the same order as the whole list');
    assert.equal(seen[0], 'c228', 'newest first');
    assert.equal(s.page({ limit: 230 }).next, null);
    assert.equal(s.rename('c001', 'New name'), true);
    assert.equal(s.list().at(-2)?.title, 'New name', 'renaming does not reorder');
    assert.equal(s.rename('nope', 'x'), false);
    s.close();
  });
});

void describe('follow-up condensing', () => {
  const model = (text: string | Error): ChatModel & { calls: number } => ({
    name: 'fake', contextSize: 2048, sequences: 1, calls: 0,
    generate(this: { calls: number }) {
      this.calls++;
      return text instanceof Error ? Promise.reject(text) : Promise.resolve({ text, promptTokens: 1, completionTokens: 1, firstTokenMs: 1 });
    },
    countTokens: (t: string) => Math.ceil(t.length / 4),
    close: () => Promise.resolve(),
  });
  const history = [{ question: 'Where is the harbour office?', answer: 'On Quay Street [1].' }];
  const signal = new AbortController().signal;

  void test('a first question is not rewritten (no model call)', async () => {
    const m = model('x');
    assert.deepEqual(await condenseQuestion(m, 'When?', [], signal), { query: 'When?', rewritten: false });
    assert.equal(m.calls, 0);
  });
  void test('a good rewrite is used, cleaned to its first line', async () => {
    const r = await condenseQuestion(model('Rewritten question: "When does the harbour office open?"\nIt opens at 9.'), 'When does it open?', history, signal);
    assert.deepEqual(r, { query: 'When does the harbour office open?', rewritten: true });
  });
  for (const [name, out] of [['empty', '  \n '], ['absurdly long', 'word '.repeat(200)], ['an answer with citations', 'At 9 am [1].']] as const) {
    void test(`falls back to the question when the rewrite is ${name}`, async () => {
      const why: string[] = [];
      const r = await condenseQuestion(model(out), 'When does it open?', history, signal, (w) => why.push(w));
      assert.deepEqual(r, { query: 'When does it open?', rewritten: false });
      assert.equal(why.length, 1);
    });
  }
  void test('falls back when the model fails', async () => {
    assert.equal((await condenseQuestion(model(new Error('no sequence')), 'When?', history, signal)).query, 'When?');
    assert.equal(cleanCondensed('ok?', 'When?'), 'ok?');
  });
  void test('the answer prompt carries the recent turns before the question', () => {
    const p = buildPrompt({ question: 'When does it open?', hits: [], contextSize: 2048, maxTokens: 100, countTokens: (t) => t.length / 4, history });
    assert.deepEqual(p.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(p.messages[1]?.content, 'Where is the harbour office?');
    const tight = buildPrompt({ question: 'q', hits: [], contextSize: 200, maxTokens: 100, countTokens: (t) => t.length, history });
    assert.equal(tight.messages.length, 2, 'history is dropped when it does not fit');
  });
});

void describe('passages', () => {
  const text = 'Intro line.\nThe lighthouse keeper feeds the cat at 6 pm.\nOutro.';
  void test('located by offsets, else by text; context around it', () => {
    assert.deepEqual(locate(text, { ...FAKE_SOURCE, start: 12, end: 56 }), { start: 12, end: 56 });
    assert.deepEqual(locate(text, { ...FAKE_SOURCE, start: 0, end: 5 }), { start: 12, end: 56 });
    assert.equal(locate(text, { ...FAKE_SOURCE, text: 'not there' }), undefined);
    assert.deepEqual(around(text, 12, 56), { before: 'Intro line.\n', passage: 'The lighthouse keeper feeds the cat at 6 pm.', after: '\nOutro.' });
  });
});

void describe('chat API and pages', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });
  const post = (url: string, body: unknown) =>
    fetch(srv.url + url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  void test('ask starts a chat, a follow-up carries the history, list/get/page/regenerate/delete', async () => {
    const first = (await (await post('/api/ask', { question: 'When is the cat fed?', settings: { temperature: 0.3 } })).json()) as { chatId: string; answerId: string };
    assert.equal(srv.services.asked.at(-1)?.history?.length ?? 0, 0);
    const list = (await (await fetch(srv.url + '/api/chats')).json()) as { chats: Array<{ id: string; title: string }> };
    assert.deepEqual(list.chats.map((c) => c.title), ['When is the cat fed?']);

    const second = await post('/api/ask', { question: 'And on Sundays?', chatId: first.chatId });
    assert.equal(second.status, 200);
    assert.deepEqual(srv.services.asked.at(-1)?.history, [{ question: 'When is the cat fed?', answer: 'At 6 pm [1].' }]);
    assert.equal((await post('/api/ask', { question: 'x', chatId: 'no-such-chat' })).status, 404);

    const chat = (await (await fetch(`${srv.url}/api/chats/${first.chatId}`)).json()) as { settings: { temperature: number }; turns: Array<{ question: string; answerId: string; worker: string; status: string }> };
    assert.deepEqual(chat.turns.map((t) => [t.question, t.status, t.worker]), [['When is the cat fed?', 'done', 'fake-worker'], ['And on Sundays?', 'done', 'fake-worker']]);
    assert.equal(chat.settings.temperature, 0.2, 'the last question used the defaults');

    const page = await (await fetch(`${srv.url}/chats/${first.chatId}`)).text();
    assert.match(page, /And on Sundays\?/);
    // The source opens in its passage view, for this answer (its supporting sentence marked).
    assert.match(page, /href="\/documents\/doc-1\/view\?chunk=doc-1%3A0&amp;answer=[^"]+"/);
    assert.match(page, /data-preset="creative"/);

    // Regenerate: the first turn's question again, with no history before it, replacing its answer.
    const regen = await post(`/api/answers/${first.answerId}/regenerate`, {});
    assert.equal(regen.status, 200);
    const newId = ((await regen.json()) as { answerId: string }).answerId;
    assert.equal(srv.services.asked.at(-1)?.question, 'When is the cat fed?');
    assert.equal(srv.services.asked.at(-1)?.settings.temperature, 0.3, "the turn's own settings");
    assert.equal(srv.services.asked.at(-1)?.history?.length ?? 0, 0);
    const after = (await (await fetch(`${srv.url}/api/chats/${first.chatId}`)).json()) as { turns: Array<{ answerId: string }> };
    assert.equal(after.turns.length, 2);
    assert.equal(after.turns[0]?.answerId, newId);
    assert.equal((await post('/api/ask', { question: '', regenerate: 'nope' })).status, 404);
    assert.equal((await post('/api/answers/nope/regenerate', {})).status, 404);

    assert.equal((await fetch(`${srv.url}/api/chats/${first.chatId}`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(`${srv.url}/api/chats/${first.chatId}`)).status, 404);
    assert.equal((await fetch(`${srv.url}/chats/${first.chatId}`)).status, 404);
  });

  void test('GET /api/chats pages; PATCH renames with a validated title, escaped where it is shown', async () => {
    const ids: string[] = [];
    // Times set apart (asks within one millisecond would tie), later than every chat so far.
    const t0 = Date.now() + 60_000;
    for (let i = 0; i < 55; i++) {
      ids.push(`paged-${i}`);
      srv.services.chats.create({ id: `paged-${i}`, question: `Paged question ${i}?`, settings: DEFAULT_SETTINGS }, t0 + i);
    }
    const first = (await (await fetch(`${srv.url}/api/chats?limit=3`)).json()) as { chats: Array<{ id: string }>; next: string };
    assert.deepEqual(first.chats.map((c) => c.id), ids.slice(-3).reverse(), 'newest first');
    const second = (await (await fetch(`${srv.url}/api/chats?limit=3&before=${encodeURIComponent(first.next)}`)).json()) as { chats: Array<{ id: string }> };
    assert.deepEqual(second.chats.map((c) => c.id), ids.slice(-6, -3).reverse());
    for (const bad of ['limit=0', 'limit=201', 'limit=x', 'before=garbage']) {
      const res = await fetch(`${srv.url}/api/chats?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(((await res.json()) as { error: string }).error, /limit|before/);
    }
    // The page's "Show more" fragment: the next items, and the cursor after them.
    const more = await fetch(`${srv.url}/chats/list?limit=3&before=${encodeURIComponent(first.next)}`);
    assert.match(await more.text(), new RegExp(`data-chat-id="${ids.at(-4)}"`));
    assert.ok(more.headers.get('docent-next'));

    const patch = (id: string, body: unknown) => fetch(`${srv.url}/api/chats/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const id = ids.at(-1)!; // the newest, so it is on the first page of the list
    const evil = '<img src=x onerror="alert(1)"> & "quotes"';
    const renamed = await patch(id, { title: `  ${evil}
` });
    assert.equal(renamed.status, 200);
    assert.equal(((await renamed.json()) as { title: string }).title, evil, 'trimmed, stored as typed');
    for (const [body, why] of [[{ title: '   ' }, /empty/], [{ title: 'x'.repeat(81) }, /too long: 81 .* limit is 80/], [{ name: 'x' }, /title/], [[1, 2], /title/], [{ title: 'a\u0007b' }, /control/]] as const) {
      const res = await patch(id, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(((await res.json()) as { error: string }).error, why);
    }
    assert.equal((await patch('no-such-chat', { title: 'x' })).status, 404);
    const page = await (await fetch(`${srv.url}/chats/${id}`)).text();
    assert.ok(!page.includes('<img src=x'), 'the title is never markup');
    assert.match(page, /<h1 id="chat-title">&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt; &amp; &quot;quotes&quot;<\/h1>/);
    assert.match(page, /<title>&lt;img src=x/);
    assert.match(page, /aria-label="Rename chat: &lt;img src=x/);
    // The page lists the newest 50 chats, with "Show more" for the rest.
    const home = await (await fetch(`${srv.url}/`)).text();
    assert.equal(home.match(/<li><a href="\/chats\//g)?.length, 50);
    assert.match(home, /id="more-chats"[^>]*data-next="[^"]+"/);
    assert.doesNotMatch(home, /id="more-chats"[^>]*hidden/);
  });

  void test('a busy refusal keeps no empty chat', async () => {
    const before = srv.services.chats.list().length;
    srv.services.busy = true;
    try {
      assert.equal((await post('/api/ask', { question: 'q' })).status, 503);
    } finally {
      srv.services.busy = false;
    }
    assert.equal(srv.services.chats.list().length, before);
  });

  void test('a source opens in its document, passage marked, text escaped', async () => {
    await fs.mkdir(srv.config.paths.uploads, { recursive: true });
    await fs.writeFile(path.join(srv.config.paths.uploads, 'doc-1'), '<b>Intro</b>\nThe lighthouse keeper feeds the cat at 6 pm.\nOutro.');
    srv.services.docs = [fakeDocument({ mediaType: 'text/plain' })];
    await post('/api/ask', { question: 'cat?' });
    const res = await fetch(`${srv.url}/documents/doc-1/view?chunk=${encodeURIComponent('doc-1:0')}`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /&lt;b&gt;Intro&lt;\/b&gt;\n<mark id="passage">The lighthouse keeper feeds the cat at 6 pm.<\/mark>\nOutro./);
    assert.equal((await fetch(`${srv.url}/documents/doc-1/view?chunk=other`)).status, 404);
    assert.equal((await fetch(`${srv.url}/documents/doc-1/view`)).status, 400);
  });
});
