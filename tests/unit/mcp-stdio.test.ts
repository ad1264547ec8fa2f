/**
 * `npm run mcp` (src/bin/mcp.ts) spawned as a child and driven by the SDK's stdio client against
 * the web app with fake services: the same tools, errors and resources as POST /mcp, progress while
 * an answer is written, a cancelled call aborting the answer over HTTP, logs on stderr only; and
 * GET /api/documents/:id/text, which the stdio server reads documents through.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';
import { callTool, connectStdio, textOf } from '../support/mcp-clients.ts';

const NOTES = 'Harbour notes.\n\nThe ferry leaves at nine and the tide turns at noon.';

let srv: TestServer;
let client: Client;
let stderr: () => string;
let manualsId: string;
before(async () => {
  srv = await startTestServer();
  manualsId = srv.services.collections.create({ name: 'Manuals' }).id;
  await fs.mkdir(srv.config.paths.uploads, { recursive: true });
  await fs.writeFile(path.join(srv.config.paths.uploads, 'doc-notes'), NOTES);
  srv.services.docs.push(
    fakeDocument({ id: 'doc-notes', name: 'notes.txt', mediaType: 'text/plain', pages: null, collections: [manualsId] }),
    fakeDocument({ id: 'doc-queued', name: 'later.txt', mediaType: 'text/plain', status: 'queued', stage: 'stored', pages: null }),
  );
  ({ client, stderr } = await connectStdio(srv.url));
});
after(async () => {
  await client.close();
  await srv.close();
});

void describe('stdio MCP server over HTTP', () => {
  void test('lists the tools; logs go to stderr', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['ask', 'list_documents', 'search_documents']);
    assert.match(stderr(), /MCP server on stdio/);
  });

  void test('search_documents resolves collections by name through the service', async () => {
    const r = await callTool(client, 'search_documents', { query: 'cat', k: 2, collections: ['manuals'] });
    assert.equal(r.isError, undefined, textOf(r));
    const { passages } = r.structuredContent as { passages: Array<{ documentName: string; page: number; score: number }> };
    assert.deepEqual(passages.map((p) => [p.documentName, p.page, p.score]), [['handbook.pdf', 2, 0.83]]);
    assert.deepEqual(srv.services.searchedIn.at(-1), [manualsId]);
    const unknown = await callTool(client, 'search_documents', { query: 'cat', collections: ['Recipes'] });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /Recipes/);
  });

  void test('ask answers with sources, reports progress, and passes the settings', async () => {
    const progress: string[] = [];
    // Replies apart in time, as a model writes them: the SDK's client handles a response before
    // notifications that arrive in the same read, and drops progress that follows the response.
    srv.services.replyDelayMs = 30;
    const r = await callTool(client, 'ask', { question: 'When is the cat fed?', settings: { top_k: 3, seed: 1 } }, { onprogress: (p) => progress.push(p.message ?? '') }).finally(() => {
      srv.services.replyDelayMs = 0;
    });
    assert.equal(r.isError, undefined, textOf(r));
    const answer = r.structuredContent as { answer: string; sources: Array<{ n: number; documentId: string }> };
    assert.equal(answer.answer, 'At 6 pm [1].');
    assert.deepEqual(answer.sources.map((s) => [s.n, s.documentId]), [[1, 'doc-1']]);
    assert.equal(srv.services.asked.at(-1)?.settings.topK, 3);
    assert.equal(srv.services.asked.at(-1)?.settings.seed, 1);
    assert.deepEqual(progress, ['found 1 passages', 'writing the answer', 'writing the answer']);
  });

  void test('ask: the service refusing bad settings is a tool error with its message', async () => {
    srv.services.busy = true;
    try {
      const r = await callTool(client, 'ask', { question: 'q' });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /busy/);
    } finally {
      srv.services.busy = false;
    }
  });

  void test('cancelling the call aborts the answer in Docent', async () => {
    srv.services.replyDelayMs = 300;
    srv.services.cancelled = false;
    const n = srv.services.signals.length;
    try {
      const abort = new AbortController();
      const pending = callTool(client, 'ask', { question: 'slow one' }, { signal: abort.signal });
      const deadline = Date.now() + 10_000;
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

  void test('list_documents and the document resources', async () => {
    const listed = (await callTool(client, 'list_documents', { collection: 'Manuals' })).structuredContent as { documents: Array<{ id: string; collections: Array<{ name: string }> }> };
    assert.deepEqual(listed.documents.map((d) => [d.id, d.collections.map((c) => c.name)]), [['doc-notes', ['Manuals']]]);
    const { resources } = await client.listResources();
    assert.deepEqual(resources.map((r) => r.uri), ['docent://documents/doc-notes']);
    const read = await client.readResource({ uri: 'docent://documents/doc-notes' });
    assert.equal((read.contents[0] as { text: string }).text, NOTES);
    await assert.rejects(client.readResource({ uri: 'docent://documents/doc-queued' }), /not ready/);
  });
});

void describe('GET /api/documents/:id/text', () => {
  const get = (p: string) => fetch(`${srv.url}/api/documents/${p}`);

  void test("a ready document's text, cut at maxChars", async () => {
    assert.deepEqual(await (await get('doc-notes/text')).json(), { id: 'doc-notes', name: 'notes.txt', text: NOTES, totalChars: NOTES.length, truncated: false });
    const cut = (await (await get('doc-notes/text?maxChars=14')).json()) as { text: string; truncated: boolean; totalChars: number };
    assert.deepEqual([cut.text, cut.truncated, cut.totalChars], ['Harbour notes.', true, NOTES.length]);
  });

  void test('unknown 404, not ready 409, bad maxChars 400', async () => {
    assert.equal((await get('nope/text')).status, 404);
    const queued = await get('doc-queued/text');
    assert.equal(queued.status, 409);
    assert.match(((await queued.json()) as { error: string }).error, /not ready \(status queued\)/);
    const bad = await get('doc-notes/text?maxChars=0');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /maxChars must be a whole number between 1 and 200000/);
  });
});
