/**
 * POST /mcp through the SDK's real client (Streamable HTTP) against the web app with fake services:
 * the tools and their input errors, unknown collections, busy and per-client limits shared with
 * /api/ask, cancelling an answer, the document resources, and the guards in front of /mcp.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';
import { callTool as call, connectHttp as connect, textOf } from '../support/mcp-clients.ts';

function expectError(r: CallToolResult, message: RegExp): void {
  assert.equal(r.isError, true, `expected a tool error, got ${textOf(r)}`);
  assert.match(textOf(r), message);
}

let srv: TestServer;
let client: Client;
let manualsId: string;
before(async () => {
  srv = await startTestServer({ MAX_QUESTION_CHARS: '50' });
  manualsId = srv.services.collections.create({ name: 'Manuals' }).id;
  await fs.mkdir(srv.config.paths.uploads, { recursive: true });
  await fs.writeFile(path.join(srv.config.paths.uploads, 'doc-notes'), 'Harbour notes.\n\nThe ferry leaves at nine and the tide turns at noon.');
  srv.services.docs.push(
    fakeDocument({ id: 'doc-notes', name: 'notes.txt', mediaType: 'text/plain', pages: null, collections: [manualsId] }),
    fakeDocument({ id: 'doc-queued', name: 'later.txt', mediaType: 'text/plain', status: 'queued', stage: 'stored', pages: null }),
  );
  client = await connect(srv.url);
});
after(async () => {
  await client.close();
  await srv.close();
});

void describe('tools', () => {
  void test('lists the three tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['ask', 'list_documents', 'search_documents']);
    const search = tools.find((t) => t.name === 'search_documents')!;
    assert.deepEqual(Object.keys(search.inputSchema.properties ?? {}).sort(), ['collections', 'k', 'query']);
    assert.deepEqual(search.inputSchema.required, ['query']);
    assert.equal(client.getServerVersion()?.name, 'docent');
  });

  void test('search_documents returns passages with document, page, heading, collection and score', async () => {
    const r = await call(client, 'search_documents', { query: 'when is the cat fed?', k: 3, collections: ['manuals'] });
    assert.equal(r.isError, undefined, textOf(r));
    const { passages } = r.structuredContent as { passages: Array<Record<string, unknown>> };
    assert.equal(passages.length, 1);
    assert.deepEqual(passages[0], {
      documentId: 'doc-1', documentName: 'handbook.pdf', page: 2, location: 'page 2', headingPath: null, collection: null, score: 0.83,
      text: 'The lighthouse keeper feeds the cat at 6 pm.', chunkId: 'doc-1:0',
    });
    assert.deepEqual(srv.services.searchedIn.at(-1), [manualsId], 'the collection name was resolved to its id');
    assert.deepEqual(JSON.parse(textOf(r)), r.structuredContent, 'the text block carries the same data');
  });

  void test('search_documents: an unknown collection is a tool error naming it', async () => {
    expectError(await call(client, 'search_documents', { query: 'cat', collections: ['Recipes'] }), /Recipes/);
  });

  void test('search_documents: bad input is a tool error saying what is allowed', async () => {
    expectError(await call(client, 'search_documents', { query: 'cat', k: 21 }), /k must be between 1 and 20/);
    expectError(await call(client, 'search_documents', { query: '   ' }), /query is empty/);
    expectError(await call(client, 'search_documents', { k: 2 }), /query/);
  });

  void test('ask returns the grounded answer with its sources, recorded as a chat, with the settings mapped', async () => {
    const r = await call(client, 'ask', { question: 'When is the cat fed?', collections: ['Manuals'], settings: { temperature: 0, top_k: 5, top_p: 0.5, max_tokens: 64, seed: 7, k: 2 } });
    assert.equal(r.isError, undefined, textOf(r));
    const answer = r.structuredContent as { answer: string; answerId: string; chatId: string; sources: Array<{ n: number; documentName: string; page: number }> };
    assert.equal(answer.answer, 'At 6 pm [1].');
    assert.deepEqual(answer.sources.map((s) => [s.n, s.documentName, s.page]), [[1, 'handbook.pdf', 2]]);
    const asked = srv.services.asked.at(-1)!;
    assert.equal(asked.question, 'When is the cat fed?');
    assert.deepEqual(asked.collections, [manualsId]);
    assert.deepEqual(asked.settings, { temperature: 0, topK: 5, topP: 0.5, maxTokens: 64, seed: 7, k: 2, repeatPenalty: 1.1 });
    assert.equal(asked.channel, 'mcp', 'analytics can tell MCP questions apart');
    assert.equal(srv.services.chats.findAnswer(answer.answerId)?.chatId, answer.chatId, 'the answer is kept in a chat like /api/ask');
  });

  void test('ask: bad settings, long questions and unknown collections are tool errors; nothing is asked', async () => {
    const before = srv.services.asked.length;
    expectError(await call(client, 'ask', { question: 'q', settings: { top_p: 1.5 } }), /top_p must be between 0 and 1/);
    expectError(await call(client, 'ask', { question: 'q', settings: { max_tokens: 2.5 } }), /max_tokens must be a whole number/);
    expectError(await call(client, 'ask', { question: 'q', settings: { topP: 0.5 } }), /topP/);
    expectError(await call(client, 'ask', { question: 'x'.repeat(51) }), /too long: 51 characters, the limit is 50/);
    expectError(await call(client, 'ask', { question: 'q', collections: ['Nope'] }), /Nope/);
    assert.equal(srv.services.asked.length, before);
  });

  void test('ask: a busy service and a failed answer are tool errors with their message', async () => {
    srv.services.busy = true;
    try {
      expectError(await call(client, 'ask', { question: 'q' }), /busy.*try again in 7 s/);
    } finally {
      srv.services.busy = false;
    }
    srv.services.replies = (answerId) => [{ v: 1, answerId, type: 'error', message: 'The model ran out of memory.', retryable: false }];
    try {
      expectError(await call(client, 'ask', { question: 'q' }), /ran out of memory/);
    } finally {
      const { scriptedReplies } = await import('../support/fake-services.ts');
      srv.services.replies = scriptedReplies;
    }
  });

  void test('ask: cancelling the call aborts the answer', async () => {
    srv.services.replyDelayMs = 300;
    srv.services.cancelled = false;
    const n = srv.services.signals.length;
    try {
      const abort = new AbortController();
      const pending = client.callTool({ name: 'ask', arguments: { question: 'slow one' } }, undefined, { signal: abort.signal });
      const deadline = Date.now() + 5000;
      while (srv.services.signals.length === n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      abort.abort();
      await assert.rejects(pending);
      const signal = srv.services.signals[n];
      assert.ok(signal, 'the answer service was asked');
      while (!(signal.aborted && srv.services.cancelled) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(signal.aborted, true, 'the answer service saw the abort');
      assert.equal(srv.services.cancelled, true, 'the reply stream was left early');
    } finally {
      srv.services.replyDelayMs = 0;
    }
  });

  void test('list_documents filters by collection and status; an unknown collection is an error', async () => {
    const all = (await call(client, 'list_documents', {})).structuredContent as { total: number; documents: Array<{ id: string; collections: Array<{ name: string }> }> };
    assert.deepEqual(all.documents.map((d) => d.id), ['doc-notes', 'doc-queued']);
    assert.deepEqual(all.documents[0]!.collections.map((c) => c.name), ['Manuals']);
    const inManuals = (await call(client, 'list_documents', { collection: 'manuals' })).structuredContent as { documents: Array<{ id: string }> };
    assert.deepEqual(inManuals.documents.map((d) => d.id), ['doc-notes']);
    const queued = (await call(client, 'list_documents', { status: 'queued' })).structuredContent as { documents: Array<{ id: string }> };
    assert.deepEqual(queued.documents.map((d) => d.id), ['doc-queued']);
    expectError(await call(client, 'list_documents', { collection: 'Recipes' }), /Recipes/);
    expectError(await call(client, 'list_documents', { status: 'lost' }), /status/);
  });

  void test('list_documents is bounded and says so', async () => {
    const extra = Array.from({ length: 120 }, (_, i) => fakeDocument({ id: `bulk-${i}`, name: `bulk-${i}.pdf` }));
    srv.services.docs.push(...extra);
    try {
      const r = (await call(client, 'list_documents', {})).structuredContent as { total: number; documents: unknown[]; note?: string };
      assert.equal(r.total, 122);
      assert.equal(r.documents.length, 100);
      assert.match(r.note ?? '', /first 100 of 122/);
    } finally {
      srv.services.docs = srv.services.docs.filter((d) => !d.id.startsWith('bulk-'));
    }
  });
});

void describe('resources', () => {
  void test('lists the ready documents and reads one as its extracted text', async () => {
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => [r.uri, r.name]), [['docent://documents/doc-notes', 'notes.txt']]);
    const read = await client.readResource({ uri: 'docent://documents/doc-notes' });
    const content = read.contents[0] as { text: string; mimeType: string };
    assert.equal(content.mimeType, 'text/plain');
    assert.match(content.text, /The ferry leaves at nine/);
  });

  void test('an unknown or unready document is an error saying so', async () => {
    await assert.rejects(client.readResource({ uri: 'docent://documents/nope' }), /No document with id "nope"/);
    await assert.rejects(client.readResource({ uri: 'docent://documents/doc-queued' }), /not ready \(status queued\)/);
  });
});

void describe('transport and guards', () => {
  const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } };
  const post = (headers: Record<string, string>) =>
    fetch(`${srv.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });

  void test('stateless: no session id; GET and DELETE are 405', async () => {
    const res = await post({});
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('mcp-session-id'), null);
    await res.text();
    assert.equal((await fetch(`${srv.url}/mcp`)).status, 405);
    assert.equal((await fetch(`${srv.url}/mcp`, { method: 'DELETE' })).status, 405);
  });

  void test('a foreign Host (DNS rebinding) is 421 and a page on another site is 403', async () => {
    const { default: http } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = http.request(`${srv.url}/mcp`, { method: 'POST', headers: { Host: 'attacker.example', 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(JSON.stringify(initialize));
    });
    assert.equal(status, 421);
    assert.equal((await post({ Origin: 'https://evil.example' })).status, 403);
  });
});

void describe('per-client limit', () => {
  void test('questions over /api/ask and the ask tool count against one MAX_PENDING_QUESTIONS_PER_CLIENT', async () => {
    const one = await startTestServer({ MAX_PENDING_QUESTIONS_PER_CLIENT: '1' });
    const c = await connect(one.url);
    try {
      one.services.replyDelayMs = 300;
      const first = fetch(`${one.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'first' }) });
      while (one.services.asked.length === 0) await new Promise((r) => setTimeout(r, 10));
      expectError(await call(c, 'ask', { question: 'second' }), /MAX_PENDING_QUESTIONS_PER_CLIENT=1/);
      assert.equal((await first).status, 200);
      one.services.replyDelayMs = 0;
      assert.equal((await call(c, 'ask', { question: 'third' })).isError, undefined, 'the place is given back');
    } finally {
      await c.close();
      await one.close();
    }
  });
});
