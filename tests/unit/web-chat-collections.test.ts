/**
 * The Ask page's collection chooser over fake services (the collection service and chat store are
 * the real ones, in memory): the choice is kept with the chat, shown and checked on its page and
 * sent with each question; sources name their collection; a chat whose collection was deleted keeps
 * its history and says so; regenerating asks over what remains; an older chat store is upgraded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteChatStore } from '../../src/chats/chat-store.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { FAKE_SOURCE, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

const get = async (p: string) => {
  const res = await fetch(srv.url + p);
  return { status: res.status, text: await res.text() };
};
const ask = async (body: Record<string, unknown>) => {
  const res = await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, chatId: res.headers.get('Docent-Chat-Id'), json: (await res.json()) as { answerId?: string; error?: string } };
};

void describe('Ask page: the collections a chat asks over', () => {
  void test('the chat keeps its choice, the page shows and checks it, and each ask sends it', async () => {
    const manuals = srv.services.collections.create({ name: 'Pump <manuals>' });
    const hr = srv.services.collections.create({ name: 'HR' });
    const blank = await get('/');
    assert.match(blank.text, /Ask over: <span id="collections-summary">all collections<\/span>/);
    assert.ok(blank.text.includes(`value="${manuals.id}" data-name="Pump &lt;manuals&gt;"> Pump &lt;manuals&gt;</label>`));
    srv.services.asked.length = 0;
    const first = await ask({ question: 'How do I bleed the pump?', collections: ['pump <MANUALS>', hr.id] });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.deepEqual(srv.services.asked[0]?.collections, [manuals.id, hr.id]);
    const chatId = first.chatId!;
    assert.deepEqual(srv.services.chats.get(chatId)?.collections, [{ id: manuals.id, name: 'Pump <manuals>' }, { id: hr.id, name: 'HR' }]);
    let page = (await get(`/chats/${chatId}`)).text;
    assert.match(page, /Ask over: <span id="collections-summary">Pump &lt;manuals&gt;, HR<\/span>/);
    assert.ok(page.includes(`value="${manuals.id}" data-name="Pump &lt;manuals&gt;" checked>`));
    assert.ok(page.includes(`value="${hr.id}" data-name="HR" checked>`));
    assert.ok(page.includes('value="general" data-name="General">'), 'General is not chosen');
    // A follow-up with another choice: that becomes the chat's choice and is what is asked over.
    assert.equal((await ask({ question: 'And the valves?', chatId, collections: [hr.id] })).status, 200);
    assert.deepEqual(srv.services.asked[1]?.collections, [hr.id]);
    assert.deepEqual(srv.services.chats.get(chatId)?.collections, [{ id: hr.id, name: 'HR' }]);
    // None chosen: all collections (nothing sent to the worker).
    assert.equal((await ask({ question: 'Anything else?', chatId })).status, 200);
    assert.equal(srv.services.asked[2]?.collections, undefined);
    page = (await get(`/chats/${chatId}`)).text;
    assert.match(page, /collections-summary">all collections</);
    assert.ok(!page.includes(' checked>'));
  });

  void test('sources name their collection, as text', async () => {
    const source = { ...FAKE_SOURCE, collectionId: 'x', collectionName: '<u>Manuals</u>' };
    srv.services.replies = (answerId: string): AnswerReply[] =>
      scriptedReplies(answerId).map((r) => (r.type === 'sources' || r.type === 'done' ? { ...r, sources: [source] } : r));
    try {
      const { chatId } = await ask({ question: 'Where?' });
      const page = (await get(`/chats/${chatId!}`)).text;
      assert.ok(page.includes('<span class="source-collection">&lt;u&gt;Manuals&lt;/u&gt;</span>'));
    } finally {
      srv.services.replies = scriptedReplies;
    }
  });

  void test('a chat whose collection was deleted keeps its history and says the collection is gone', async () => {
    const gone = srv.services.collections.create({ name: 'Old project' });
    const first = await ask({ question: 'What was the budget?', collections: [gone.id] });
    assert.equal(first.status, 200);
    await srv.services.collections.delete(gone.id);
    const page = (await get(`/chats/${first.chatId!}`)).text;
    assert.match(page, /class="turn card"[\s\S]*What was the budget\?/, 'the turn is still shown');
    assert.match(page, /The collection &quot;Old project&quot; this chat asked over was deleted\./);
    assert.match(page, /collections-summary">all collections</);
    const again = await fetch(`${srv.url}/api/answers/${first.json.answerId!}/regenerate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(again.status, 404);
    assert.match(((await again.json()) as { error: string }).error, /were deleted \(Old project\); choose collections and ask again\./);
  });

  void test('regenerating asks over the chat\'s collections that still exist', async () => {
    const keep = srv.services.collections.create({ name: 'Keep' });
    const drop = srv.services.collections.create({ name: 'Drop' });
    const first = await ask({ question: 'Q?', collections: [keep.id, drop.id] });
    await srv.services.collections.delete(drop.id);
    const n = srv.services.asked.length;
    const again = await fetch(`${srv.url}/api/answers/${first.json.answerId!}/regenerate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(again.status, 200, await again.clone().text());
    assert.deepEqual(srv.services.asked[n]?.collections, [keep.id]);
  });
});

void describe('chat store upgrade', () => {
  void test('a store from before collections gains the column in place; its chats ask over all', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-chats-'));
    const file = path.join(dir, 'chats.db');
    try {
      const old = new Database(file);
      old.exec(`CREATE TABLE chats (id TEXT PRIMARY KEY, title TEXT NOT NULL, settings TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE turns (id TEXT PRIMARY KEY, chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
          answer_id TEXT NOT NULL UNIQUE, question TEXT NOT NULL, searched_for TEXT, answer TEXT, sources TEXT NOT NULL,
          settings TEXT NOT NULL, worker TEXT, model TEXT, timings TEXT, status TEXT NOT NULL, error TEXT,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        INSERT INTO chats VALUES ('c1', 'Old chat', '{}', 1, 1);
        INSERT INTO turns VALUES ('t1', 'c1', 1, 'a1', 'Old question', NULL, 'Old answer', '[]', '{}', NULL, NULL, NULL, 'done', NULL, 1, 1);`);
      old.close();
      const store = new SqliteChatStore(file);
      assert.deepEqual(store.get('c1')?.collections, []);
      assert.equal(store.get('c1')?.turns[0]?.answer, 'Old answer');
      store.addTurn('c1', { id: 't2', answerId: 'a2', question: 'New', settings: {} as never, collections: [{ id: 'general', name: 'General' }] });
      store.close();
      const reopened = new SqliteChatStore(file);
      assert.deepEqual(reopened.get('c1')?.collections, [{ id: 'general', name: 'General' }]);
      reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
