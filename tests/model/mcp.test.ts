/**
 * The MCP server against `npm start` with the small real test models, through the SDK's own
 * clients: over POST /mcp (list tools, search_documents finds the uploaded guide's passage, ask
 * answers from it and cites it, its resource reads back its text) and over stdio (`npm run mcp`
 * spawned as a child against the same service: list tools, search).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startAllInOne, type AllInOne } from '../support/all-in-one.ts';
import { uploadText } from '../support/http-app.ts';
import { callTool, connectHttp, connectStdio, textOf } from '../support/mcp-clients.ts';

const GUIDE = await fs.readFile(path.join(import.meta.dirname, '../fixtures/harbour-guide.md'), 'utf8');
const DISTRACTOR = 'Tomatoes need six hours of sun a day. Water them in the morning, never at noon, and stake them early.';

let service: AllInOne;
let guideId: string;
let client: Client;

async function waitReady(base: string, id: string): Promise<void> {
  const end = Date.now() + 180_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string; error: string | null };
    if (d.status === 'ready') return;
    if (d.status === 'failed') throw new Error(`ingest failed: ${d.error}`);
    if (Date.now() > end) throw new Error(`document ${id} not ready in time (${d.status})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  service = await startAllInOne('docent-mcp-');
  guideId = (await uploadText(service.base, GUIDE, 'harbour-guide.md')).id;
  const other = (await uploadText(service.base, DISTRACTOR, 'tomatoes.txt')).id;
  await waitReady(service.base, guideId);
  await waitReady(service.base, other);
  client = await connectHttp(service.base);
});

after(async () => {
  await client?.close();
  await service?.stop();
});

const withOutput = async (fn: () => Promise<void>): Promise<void> => {
  try {
    await fn();
  } catch (err) {
    throw new Error(`${String(err)}\n--- service output\n${service.proc.output().slice(-4000)}`, { cause: err });
  }
};

test('over /mcp: tools, search finds the passage, ask cites it, the resource reads its text', () =>
  withOutput(async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['ask', 'list_documents', 'search_documents']);

    const found = await callTool(client, 'search_documents', { query: 'How much does mooring cost a night?', k: 2 });
    assert.equal(found.isError, undefined, textOf(found));
    const { passages } = found.structuredContent as { passages: Array<{ documentId: string; documentName: string; text: string; headingPath: string | null; collection: { name: string } | null }> };
    assert.equal(passages[0]?.documentId, guideId, `best passage: ${JSON.stringify(passages[0])}`);
    assert.match(passages[0].text, /twelve euros/);
    assert.equal(passages[0].collection?.name, 'General');

    const progress: number[] = [];
    const asked = await callTool(client, 'ask', { question: 'How much does mooring cost for a small boat?', settings: { temperature: 0, max_tokens: 48, k: 2, seed: 1 } }, { onprogress: (p) => progress.push(p.progress) });
    assert.equal(asked.isError, undefined, textOf(asked));
    const answer = asked.structuredContent as { answer: string; answerId: string; sources: Array<{ n: number; documentId: string }> };
    assert.ok(answer.answer.trim().length > 0, 'a non-empty answer');
    assert.equal(answer.sources[0]?.documentId, guideId, 'the answer is grounded in the guide');
    assert.equal(answer.sources[0]?.n, 1);
    assert.ok(progress.length >= 1, 'progress while the model writes');
    console.log(`# mcp ask: ${progress.length} progress notifications; answer: ${JSON.stringify(answer.answer.slice(0, 120))}`);

    const bad = await callTool(client, 'ask', { question: 'q', collections: ['Nowhere'] });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /Nowhere/);

    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === `docent://documents/${guideId}` && r.name === 'harbour-guide.md'), JSON.stringify(resources));
    const read = await client.readResource({ uri: `docent://documents/${guideId}` });
    const text = (read.contents[0] as { text: string }).text;
    assert.match(text, /Mooring costs twelve euros a night/);
  }));

test('over stdio: `npm run mcp` against the running service lists tools and searches', () =>
  withOutput(async () => {
    const { client: stdio, stderr } = await connectStdio(service.base);
    try {
      const { tools } = await stdio.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['ask', 'list_documents', 'search_documents']);
      const found = await callTool(stdio, 'search_documents', { query: 'When does the harbour open?', k: 1 });
      assert.equal(found.isError, undefined, `${textOf(found)}\n${stderr()}`);
      const { passages } = found.structuredContent as { passages: Array<{ documentId: string; text: string }> };
      assert.equal(passages[0]?.documentId, guideId);
      assert.match(passages[0].text, /six in the morning/);
      const listed = (await callTool(stdio, 'list_documents', { status: 'ready' })).structuredContent as { documents: Array<{ name: string }> };
      assert.deepEqual(listed.documents.map((d) => d.name).sort(), ['harbour-guide.md', 'tomatoes.txt']);
    } finally {
      await stdio.close();
    }
  }));
