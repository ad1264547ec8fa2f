/**
 * A web page's address in citations: the web adds it to each source of a document fetched from the
 * web (the answer worker knows only ids), and the chat page shows it as a link; an address that is
 * not http(s) is never made a link.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { namedSources } from '../../src/asking/answer-client.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { FAKE_SOURCE, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

test('the web adds the address of a web page to its sources, and only to those', () => {
  const reply = scriptedReplies('a1').find((r) => r.type === 'sources')!;
  const withTwo = { ...reply, sources: [FAKE_SOURCE, { ...FAKE_SOURCE, n: 2, documentId: 'doc-2' }] } as AnswerReply;
  const named = namedSources(withTwo, undefined, (id) => (id === 'doc-2' ? 'https://example.org/otters' : undefined));
  assert.ok(named.type === 'sources');
  assert.equal(named.sources[0]!.sourceUrl, undefined);
  assert.equal(named.sources[1]!.sourceUrl, 'https://example.org/otters');
});

test('the chat page links a cited web page to its address', async () => {
  const web = { ...FAKE_SOURCE, sourceUrl: 'https://example.org/otters?a=1&b=2' };
  const bad = { ...FAKE_SOURCE, n: 2, documentId: 'doc-2', sourceUrl: 'javascript:alert(1)' };
  srv.services.replies = (answerId: string): AnswerReply[] =>
    scriptedReplies(answerId).map((r) => (r.type === 'sources' || r.type === 'done' ? { ...r, sources: [web, bad] } : r));
  try {
    const res = await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'Where do otters live?' }) });
    assert.equal(res.status, 200);
    const { chatId } = (await res.json()) as { chatId: string };
    const page = await (await fetch(`${srv.url}/chats/${chatId}`)).text();
    assert.ok(page.includes('<a class="source-url" href="https://example.org/otters?a=1&amp;b=2"'), page);
    assert.ok(!page.includes('href="javascript:'));
  } finally {
    srv.services.replies = scriptedReplies;
  }
});
