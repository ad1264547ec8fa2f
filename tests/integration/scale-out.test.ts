/**
 * Scale-out under failure, every role as its own OS process on the real RabbitMQ and Kafka: two
 * webs, three answer workers, two ingest workers (single active consumer) and two analytics
 * consumers (one Kafka group, one store file), sharing folders as the Helm chart shares its
 * volumes (webs and ingest workers one DATA_DIR, every reader one VECTORSTORE_DIR, the analytics
 * copies their own DATA_DIR). Under load (documents uploaded and distinct questions asked over
 * both webs, votes cast) one process of each role is SIGKILLed mid-way: the active ingest worker
 * while it indexes, the answer worker streaming a question, a web with a stream open, an analytics
 * consumer that holds partitions. Then the counts must be exact:
 * - every document ready once, its chunk ids `<id>:0..n-1` in the live index exactly once each;
 * - every question ends with one complete answer, stored as one turn of its own chat;
 * - analytics holds each answer and each vote once (the answer the killed web never delivered
 *   may be recorded, once, and nothing else).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerRoleEnv } from '../support/brokers-env.ts';
import { deleteRabbitPrefix, requireKafka, requireRabbit } from '../support/brokers.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';
import { catchIndexing } from '../support/catch-indexing.ts';
import { sseEvents } from '../support/sse.ts';
import { waitFor } from '../support/wait.ts';

const DOCS = Array.from({ length: 6 }, (_, d) => ({
  name: `district-${d + 1}.txt`,
  text: Array.from({ length: 30 }, (_, p) => `District ${d + 1}, note ${p + 1}: the ferry from pier ${d * 30 + p} leaves at ${(p % 12) + 1} o'clock, and keeper ${['Ansel', 'Brin', 'Cato', 'Dara', 'Eske', 'Fenn'][d]} logs the tide.`).join('\n\n'),
}));
/**
 * Larger documents, uploaded only when every document of DOCS was indexed before a status poll saw
 * one processing (a fast machine): round r has two of 30 x 4^r notes (the second is still queued
 * when the first is caught, so the standby has work either way).
 */
const largerDocs = (round: number): Array<{ name: string; text: string }> => Array.from({ length: 2 }, (_, d) => ({
  name: `harbour-${round}-${d + 1}.txt`,
  text: Array.from({ length: 30 * 4 ** round }, (_, p) => `Harbour ${round}.${d + 1}, entry ${p + 1}: the barge from quay ${p} sails at ${(p % 12) + 1} o'clock, and warden ${['Gale', 'Hild'][d]} counts the crates.`).join('\n\n'),
}));
/** Rounds of largerDocs at most (the largest: 1,920 notes, about 230 KB each). */
const LARGER_ROUNDS = 3;
const QUESTIONS = Array.from({ length: 12 }, (_, i) => `When does the ferry from pier ${i * 13} leave, and who logs the tide there (question ${i + 1})?`);
const SETTINGS = { temperature: 0, maxTokens: 24, seed: 7 };

const procs: RoleProcess[] = [];
let tmp: string;
let prefix: string;
const webs: Array<{ proc: RoleProcess; base: string }> = [];
const answerers: RoleProcess[] = [];
const ingesters: RoleProcess[] = [];
const analytics: RoleProcess[] = [];

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n')}`, { cause: err });
}
const alive = (p: RoleProcess): boolean => p.child.exitCode === null && p.child.signalCode === null;
async function kill(p: RoleProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGKILL');
  await exited;
}

before(async () => {
  await requireRabbit();
  await requireKafka();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-scale-'));
  prefix = `t${randomBytes(4).toString('hex')}.`;
  const common = { ...brokerRoleEnv(prefix), ...testRoleEnv(path.join(tmp, 'vectorstore')), EMBED_BATCH: '4', CHUNK_SIZE: '300', CHUNK_OVERLAP: '40', SHUTDOWN_TIMEOUT_MS: '5000' };
  const data = path.join(tmp, 'data');
  const analyticsPorts = [await freePort(), await freePort()];
  for (const [i, port] of analyticsPorts.entries()) {
    analytics.push(startRole(`analytics-${i + 1}`, 'analytics.ts', { ...common, AMQP_URL: '', DATA_DIR: path.join(tmp, 'analytics'), ANALYTICS_PORT: String(port), WORKER_ID: `analytics-${i + 1}` }));
  }
  // The first ingest worker is the active consumer; the second, started once it is, stands by.
  ingesters.push(startRole('ingest-1', 'ingest-worker.ts', { ...common, DATA_DIR: data, WORKER_ID: 'ingest-1' }));
  procs.push(...analytics, ...ingesters);
  await waitForOutput(ingesters[0]!, 'ingest worker ready', 120_000);
  ingesters.push(startRole('ingest-2', 'ingest-worker.ts', { ...common, DATA_DIR: data, WORKER_ID: 'ingest-2' }));
  for (const id of ['answer-1', 'answer-2', 'answer-3']) answerers.push(startRole(id, 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, id), WORKER_ID: id }));
  for (const i of [1, 2]) {
    const port = await freePort();
    const web = startRole(`web-${i}`, 'web.ts', { ...common, DATA_DIR: data, PORT: String(port), ANALYTICS_URL: `http://127.0.0.1:${analyticsPorts[0]}`, WORKER_ID: `web-${i}` });
    webs.push({ proc: web, base: `http://127.0.0.1:${port}` });
  }
  procs.push(ingesters[1]!, ...answerers, ...webs.map((w) => w.proc));
  try {
    await Promise.all([
      waitForOutput(ingesters[1]!, 'ingest worker ready', 180_000),
      ...answerers.map((w) => waitForOutput(w, 'answer worker ready', 180_000)),
      ...analytics.map((a) => waitForOutput(a, 'analytics consumer ready', 180_000)),
      ...webs.map((w) => waitForHttp(`${w.base}/readyz`, 180_000, procs)),
    ]);
  } catch (err) {
    fail(err);
  }
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await deleteRabbitPrefix(prefix).catch(() => undefined);
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A live web, preferring `i` (a load balancer sends to the web that is still up). */
function web(i: number): string {
  const live = webs.filter((w) => alive(w.proc));
  assert.ok(live.length > 0, 'no web alive');
  const wanted = webs[i % webs.length]!;
  return (alive(wanted.proc) ? wanted : live[0]!).base;
}

async function upload(base: string, doc: { name: string; text: string }): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([doc.text], { type: 'text/plain' }), doc.name);
  const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  const body = await res.text();
  assert.equal(res.status, 202, body);
  return (JSON.parse(body) as { documents: Array<{ id: string }> }).documents[0]!.id;
}

interface Doc { status: string; chunks: number | null; error?: string | null }
const getDoc = async (id: string): Promise<Doc> => (await (await fetch(`${web(0)}/api/documents/${id}`)).json()) as Doc;

interface Done { answerId: string; chatId: string; answer: string; worker: string }
interface Attempt { answerId: string | null; events: string[]; done?: Done; failed?: string }

/** Asks over `base` as a stream; `onToken` runs at the first token (with the answer id). */
async function ask(base: string, question: string, onToken?: (answerId: string) => Promise<void>): Promise<Attempt> {
  const attempt: Attempt = { answerId: null, events: [] };
  try {
    const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question, settings: SETTINGS }) });
    if (res.status !== 200) return { ...attempt, failed: `${res.status} ${await res.text()}` };
    attempt.answerId = res.headers.get('docent-answer-id');
    let first = true;
    for await (const e of sseEvents(res)) {
      attempt.events.push(e.event);
      if (e.event === 'token' && first && onToken) {
        first = false;
        await onToken(attempt.answerId!);
      }
      if (e.event === 'done') attempt.done = e.data as Done;
      if (e.event === 'error') attempt.failed = JSON.stringify(e.data);
    }
    if (!attempt.done && !attempt.failed) attempt.failed = 'stream ended without done';
  } catch (err) {
    attempt.failed = String(err);
  }
  return attempt;
}

const analyticsSummary = async (): Promise<{ answers: number; votes: { up: number; down: number } }> =>
  (await (await fetch(`${web(0)}/api/analytics/summary?range=all`)).json()) as { answers: number; votes: { up: number; down: number } };

test('one process of each role SIGKILLed under load: documents, answers and analytics counted exactly once', { timeout: 540_000 }, async () => {
  try {
    const killed: string[] = [];
    // Load: documents uploaded over both webs while questions stream.
    const docIds: string[] = [];
    let uploaded = false;
    const uploads = (async () => {
      for (const [i, doc] of DOCS.entries()) docIds.push(await upload(web(i), doc));
      uploaded = true;
    })();

    // Kill the active ingest worker while it is indexing: once any document is seen processing.
    // Should every document be ready before a poll sees one processing, larger ones are uploaded
    // and the wait starts again (bounded: ../support/catch-indexing.ts).
    const ingestKill = (async () => {
      await catchIndexing(
        { ids: docIds, uploaded: () => uploaded, status: async (id) => (await getDoc(id)).status },
        {
          rounds: LARGER_ROUNDS,
          timeoutMs: 180_000,
          more: async (round) => {
            for (const [i, doc] of largerDocs(round).entries()) docIds.push(await upload(web(i), doc));
          },
        },
      );
      assert.ok(!ingesters[1]!.output().includes('"ingested"'), 'the standby had done nothing before the kill');
      await kill(ingesters[0]!);
      killed.push('ingest-1');
    })();

    // Three lanes of questions: lanes 0 and 1 on web-1, lane 2 on web-2 (killed mid-stream).
    const done = new Map<string, Done>();
    const orphans: string[] = [];
    let answerKilled = false;
    let webKilled = false;
    const votes = new Map<string, 'up' | 'down'>();
    const lane = async (l: number): Promise<void> => {
      for (let q = l; q < QUESTIONS.length; q += 3) {
        const question = QUESTIONS[q]!;
        for (let tries = 0; !done.has(question); tries++) {
          assert.ok(tries < 3, `"${question}" was not answered in 3 tries`);
          const base = web(l === 2 ? 1 : 0);
          const attempt = await ask(base, question, async (answerId) => {
            if (!answerKilled && q >= 3) {
              // The answer worker generating this answer dies after its first token.
              answerKilled = true;
              const w = answerers.find((p) => p.output().includes(answerId));
              assert.ok(w, `a worker logged answer ${answerId}`);
              await kill(w);
              killed.push(w.name);
            } else if (!webKilled && l === 2 && q >= 5) {
              // The web streaming this answer dies: its asker sees the stream break and asks again.
              webKilled = true;
              orphans.push(answerId);
              await kill(webs[1]!.proc);
              killed.push('web-2');
            }
          });
          if (attempt.done) {
            assert.ok(attempt.done.answer.trim().length > 0, `empty answer to "${question}"`);
            assert.equal(attempt.events.filter((e) => e === 'done').length, 1);
            done.set(question, attempt.done);
            // A vote on each answer, over whichever web: up for even questions, down for odd.
            const vote = q % 2 === 0 ? 'up' : 'down';
            const res = await fetch(`${web(q)}/api/votes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answerId: attempt.done.answerId, vote }) });
            assert.equal(res.status, 202, await res.text());
            votes.set(attempt.done.answerId, vote);
          } else {
            assert.ok(!alive(webs[1]!.proc) && l === 2, `"${question}" failed with both webs up: ${attempt.failed}`);
          }
        }
      }
    };

    // Kill one analytics consumer once the group has stored answers (it then holds partitions).
    const analyticsKill = (async () => {
      await waitFor('analytics stored some answers', async () => (await analyticsSummary()).answers >= 3, 300_000);
      await kill(analytics[1]!);
      killed.push('analytics-2');
    })();

    await Promise.all([uploads, ingestKill, lane(0), lane(1), lane(2), analyticsKill]);
    assert.deepEqual([...killed].sort(), ['analytics-2', 'ingest-1', 'web-2', killed.find((k) => k.startsWith('answer-'))!].sort(), `killed: ${killed.join(', ')}`);

    // Documents: each ready, its chunks in the live index exactly once.
    const docs = new Map<string, Doc>();
    await waitFor('every document ready', async () => {
      for (const id of docIds) docs.set(id, await getDoc(id));
      return [...docs.values()].every((d) => d.status === 'ready' || d.status === 'failed');
    }, 240_000);
    for (const [id, d] of docs) assert.equal(d.status, 'ready', `${id}: ${d.error}`);
    assert.match(ingesters[1]!.output(), /"msg":"ingested"/, 'the standby ingest worker took over the queue');
    const vs = path.join(tmp, 'vectorstore');
    const version = (await fs.readFile(path.join(vs, 'CURRENT'), 'utf8')).trim();
    const rows = (await fs.readFile(path.join(vs, version, 'chunks.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { chunkId: string }).chunkId);
    const manifest = JSON.parse(await fs.readFile(path.join(vs, version, 'manifest.json'), 'utf8')) as { chunks: number; documents: Array<{ documentId: string; chunks: number }> };
    assert.equal(new Set(rows).size, rows.length, 'no chunk id twice in the index');
    const want = docIds.flatMap((id) => Array.from({ length: docs.get(id)!.chunks ?? 0 }, (_, i) => `${id}:${i}`));
    assert.deepEqual([...rows].sort(), want.sort(), 'the index holds exactly the chunks of the documents');
    assert.equal(manifest.chunks, rows.length);
    assert.deepEqual(manifest.documents.map((d) => d.documentId).sort(), [...docIds].sort());
    // Indexed once, reaching every answer worker: each one still running loads that version.
    for (const w of answerers.filter(alive)) {
      const loaded = (): boolean => w.output().split('\n').some((l) => l.includes('index version loaded') && l.includes(`"version":"${version}"`));
      await waitFor(`${w.name} loaded index version ${version}`, loaded, 60_000);
    }

    // Questions: one complete answer each, one turn in its own chat.
    assert.equal(done.size, QUESTIONS.length);
    const answerIds = new Set([...done.values()].map((d) => d.answerId));
    assert.equal(answerIds.size, QUESTIONS.length, 'distinct answer ids');
    // Spread over the answer workers: every one still running answered some (the killed one was
    // streaming when it died); each answer names its worker.
    const answeredBy = new Set([...done.values()].map((d) => d.worker));
    for (const w of answerers.filter(alive)) assert.ok(answeredBy.has(w.name), `${w.name} answered none of ${QUESTIONS.length} questions (${[...answeredBy].join(', ')})`);
    for (const [question, d] of done) {
      const chat = (await (await fetch(`${web(0)}/api/chats/${d.chatId}`)).json()) as { turns: Array<{ answerId: string; question: string; answer: string | null; status: string }> };
      assert.equal(chat.turns.length, 1, `one turn in the chat of "${question}"`);
      assert.equal(chat.turns[0]!.answerId, d.answerId);
      assert.equal(chat.turns[0]!.answer, d.answer, 'the chat keeps the answer the asker was shown');
    }

    // Analytics: every delivered answer once, the orphan at most once, every vote once.
    const ups = [...votes.values()].filter((v) => v === 'up').length;
    const wantVotes = { up: ups, down: votes.size - ups };
    const has = async (id: string): Promise<boolean> => (await fetch(`${web(0)}/api/analytics/answers/${id}`)).status === 200;
    await waitFor('analytics caught up', async () => {
      const s = await analyticsSummary();
      return s.answers >= QUESTIONS.length && s.votes.up + s.votes.down === votes.size;
    }, 120_000);
    // Let a late duplicate (if any were to count twice) arrive before comparing exactly.
    await new Promise((r) => setTimeout(r, 3000));
    const s = await analyticsSummary();
    for (const id of answerIds) assert.ok(await has(id), `analytics has answer ${id}`);
    const orphansStored = (await Promise.all(orphans.map(has))).filter(Boolean).length;
    assert.equal(s.answers, QUESTIONS.length + orphansStored, `answers counted once (${orphansStored} undelivered answer stored)`);
    assert.deepEqual(s.votes, wantVotes);
    console.log(`# killed ${killed.join(', ')}; ${docIds.length} documents, ${rows.length} chunks; ${QUESTIONS.length} answers (+${orphansStored} undelivered); votes ${JSON.stringify(s.votes)}`);
  } catch (err) {
    fail(err);
  }
});
