/**
 * The acceptance journey against `npm start` (every role in one process, in-process bus and event
 * log) with the small real test models.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptanceFlow } from '../support/acceptance-flow.ts';
import { startAllInOne, type AllInOne } from '../support/all-in-one.ts';
import { makePdf } from '../support/make-pdf.ts';

let service: AllInOne;
let base: string;

before(async () => {
  service = await startAllInOne('docent-aio-');
  base = service.base;
});

after(async () => {
  await service?.stop();
});

test('all-in-one: upload a PDF, ask, stream a cited answer, vote, see analytics', async () => {
  try {
    const r = await acceptanceFlow(base);
    console.log(`# all-in-one: ${r.tokenEvents} token events, first at ${r.firstTokenAtMs} ms, done at ${r.doneAtMs} ms; answer: ${JSON.stringify(r.answer.slice(0, 120))}`);
  } catch (err) {
    throw new Error(`${String(err)}\n--- service output\n${service.proc.output()}`, { cause: err });
  }
});

test('all-in-one: bad input gets a 4xx naming the problem, a scan ends failed with its reason, the service stays up', async () => {
  const upload = async (content: Uint8Array | string, name: string) => {
    const form = new FormData();
    form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
    const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as { error?: string; documents?: Array<{ id: string }> } };
  };
  // A GIF: images Docent cannot read (PNG, JPEG, TIFF and WebP go to OCR).
  const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1');
  const cases: Array<[Awaited<ReturnType<typeof upload>>, RegExp]> = [
    [await upload(gif, 'photo.pdf'), /GIF/],
    [await upload('', 'empty.txt'), /empty/],
    [await upload(makePdf(['half a document']).subarray(0, 300), 'cut.pdf'), /damaged or incomplete/],
  ];
  for (const [res, pattern] of cases) {
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error ?? '', pattern);
  }

  const scan = await upload(makePdf(['']), 'scan.pdf');
  assert.equal(scan.status, 202);
  const id = scan.body.documents?.[0]?.id;
  const end = Date.now() + 60_000;
  let doc: { status: string; error: string | null } = { status: 'queued', error: null };
  while (doc.status !== 'failed' && doc.status !== 'ready' && Date.now() < end) {
    doc = (await (await fetch(`${base}/api/documents/${id}`)).json()) as typeof doc;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(doc.status, 'failed');
  assert.match(doc.error ?? '', /no extractable text/);

  const ask = async (body: unknown) => {
    const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, error: ((await res.json()) as { error?: string }).error ?? '' };
  };
  const asks: Array<[unknown, RegExp]> = [
    [{ question: '   ', settings: {} }, /question/i],
    [{ question: 'x'.repeat(5000), settings: {} }, /question/i],
    [{ question: 'Q?', settings: { temperature: 3 } }, /temperature must be between 0 and 2/],
    [{ question: 'Q?', settings: { topP: 1.5 } }, /topP must be between 0 and 1/],
    [{ question: 'Q?', settings: { topK: 0 } }, /topK must be between 1 and 100/],
    [{ question: 'Q?', settings: { k: 21 } }, /k must be between 1 and 20/],
  ];
  for (const [body, pattern] of asks) {
    const r = await ask(body);
    assert.equal(r.status, 400, r.error);
    assert.match(r.error, pattern);
  }
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the service is still up');
  assert.equal((await fetch(`${base}/api/search?q=lighthouse&k=2`)).status, 200);
});

test('all-in-one: a deleted document leaves the list and search at once, and can be uploaded again', async () => {
  const text = 'The quartermaster of the Zephyrine ferry keeps the spare oars in locker nine.';
  const upload = async () => {
    const form = new FormData();
    form.append('file', new Blob([text]), 'zephyrine.txt');
    const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
    assert.equal(res.status, 202);
    return ((await res.json()) as { documents: Array<{ id: string; duplicate: boolean }> }).documents[0]!;
  };
  const waitStatus = async (id: string, want: string) => {
    const end = Date.now() + 60_000;
    let got = '';
    while (got !== want && Date.now() < end) {
      const res = await fetch(`${base}/api/documents/${id}`);
      got = res.status === 404 ? 'gone' : ((await res.json()) as { status: string }).status;
      if (got !== want) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(got, want);
  };
  const found = async (id: string) => {
    const res = await fetch(`${base}/api/search?q=${encodeURIComponent('Where are the spare oars of the Zephyrine ferry?')}&k=20`);
    return ((await res.json()) as { results: Array<{ documentId: string }> }).results.some((r) => r.documentId === id);
  };
  const doc = await upload();
  await waitStatus(doc.id, 'ready');
  assert.ok(await found(doc.id));
  assert.equal((await fetch(`${base}/api/documents/${doc.id}`, { method: 'DELETE' })).status, 202);
  await waitStatus(doc.id, 'gone');
  assert.equal(await found(doc.id), false, 'deleted chunks are never returned');
  assert.equal((await fetch(`${base}/api/documents/${'0'.repeat(64)}`, { method: 'DELETE' })).status, 404);
  const again = await upload();
  assert.equal(again.duplicate, false);
  await waitStatus(doc.id, 'ready');
  assert.ok(await found(doc.id));
});

test('all-in-one: a follow-up in a chat is searched for with the conversation, and the chat keeps both turns', async () => {
  const text = 'The Marigold lighthouse stands on Skerry Point. Its lamp is lit every evening by the keeper, Ansel Brody.';
  const form = new FormData();
  form.append('file', new Blob([text]), 'marigold.txt');
  const up = (await (await fetch(`${base}/api/documents`, { method: 'POST', body: form })).json()) as { documents: Array<{ id: string }> };
  const id = up.documents[0]!.id;
  const end = Date.now() + 60_000;
  while (Date.now() < end && ((await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string }).status !== 'ready') {
    await new Promise((r) => setTimeout(r, 200));
  }
  const ask = async (body: Record<string, unknown>) => {
    const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, settings: { temperature: 0, seed: 1, maxTokens: 32, k: 3 } }) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { chatId: string; answerId: string; searchedFor?: string; sources: Array<{ documentId: string }> };
  };
  const first = await ask({ question: 'What is the Marigold lighthouse on Skerry Point?' });
  const follow = await ask({ question: 'Who lights its lamp?', chatId: first.chatId });
  console.log(`# follow-up searched for: ${JSON.stringify(follow.searchedFor ?? '(the question as asked)')}`);
  assert.equal(follow.chatId, first.chatId);
  assert.ok(follow.sources.some((s) => s.documentId === id), 'the follow-up found the passage the conversation is about');
  const chat = (await (await fetch(`${base}/api/chats/${first.chatId}`)).json()) as { turns: Array<{ question: string; status: string; searchedFor: string | null }> };
  assert.deepEqual(chat.turns.map((t) => [t.question, t.status]), [['What is the Marigold lighthouse on Skerry Point?', 'done'], ['Who lights its lamp?', 'done']]);
  assert.equal(chat.turns[1]!.searchedFor, follow.searchedFor ?? null);
  if (follow.searchedFor !== undefined) assert.match(follow.searchedFor, /\S/);
});
