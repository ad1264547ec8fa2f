// The CSV export streams: 150,000 answers (more than the old 100,000 cap, about 100 MB of CSV) go
// from the store through the analytics process's NDJSON stream and the web's CSV route to a client
// that reads slowly, while the process's memory stays far below the size of the file. Every row
// arrives once, newest first, with formula cells guarded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import Database from 'better-sqlite3';
import { createAnalyticsHttpApp } from '../../src/analytics/http.ts';
import { createHttpAnalyticsReader } from '../../src/analytics/http-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import { startTestServer, type TestServer } from '../support/fake-services.ts';

const ROWS = 150_000;
const NOW = Date.now();
const ANSWER = `${'The guide says to hold the button for ten seconds, then wait for the light. '.repeat(8)}`;

let dir: string;
let store: AnalyticsStore;
let analytics: http.Server;
let web: TestServer;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-csv-'));
  const file = path.join(dir, 'analytics.db');
  openAnalyticsStore(file).close();
  // Rows straight into the table: the export reads answers only, and this is much faster than events.
  const db = new Database(file);
  const ins = db.prepare(
    `INSERT INTO answers (event_id, answer_id, chat_id, question, answer, worker, model, queue_wait_ms, retrieval_ms,
       first_token_ms, generation_ms, total_ms, prompt_tokens, completion_tokens, tokens_per_second, question_score,
       question_comparative, answer_score, answer_comparative, at)
     VALUES (?, ?, 'c', ?, ?, 'worker-1', 'm', 1, 2, 3, 4, 10, 5, 6, 20.5, 0, -0.1, 1, 0.2, ?)`,
  );
  db.transaction(() => {
    // Two answers share each timestamp, so pages must break ties by row, not by time alone.
    for (let i = 0; i < ROWS; i++) ins.run(`e${i}`, `a${i}`, i % 1000 === 0 ? `=HYPERLINK("x") ${i}` : `question ${i}`, ANSWER, NOW - 1000 * Math.floor((ROWS - i) / 2));
  })();
  db.close();
  store = openAnalyticsStore(file);
  const app = createAnalyticsHttpApp(store);
  analytics = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  web = await startTestServer();
  web.services.analytics = createHttpAnalyticsReader(`http://127.0.0.1:${(analytics.address() as AddressInfo).port}`);
});

after(async () => {
  await web.close();
  analytics.closeAllConnections();
  await new Promise((r) => analytics.close(r));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Live memory (after a full collection): heap in use plus buffers. RSS and heap-in-use without a
 * collection mostly count garbage not yet collected, which says nothing about buffering.
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function live(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

void test('150,000 answers stream to a slow client in bounded memory, every row once, newest first', { timeout: 180_000 }, async () => {
  // Which ids arrived, allocated before the baseline so it does not count as the export's memory.
  const seen = new Uint8Array(ROWS);
  let distinct = 0;
  const base = live();
  let peak = 0;
  let nextSample = 5e6;
  const res = await fetch(`${web.url}/api/analytics/answers.csv?range=all`);
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let bytes = 0;
  let lines = 0;
  let rest = '';
  let guarded = 0;
  let unguarded = 0;
  let lastId = Infinity;
  let ordered = true;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    bytes += r.value.byteLength;
    if (bytes >= nextSample) {
      // Every 5 MB, and after a pause in which a server without back-pressure would race ahead.
      if (nextSample === 20e6) await new Promise((s) => setTimeout(s, 1500));
      peak = Math.max(peak, live() - base);
      nextSample += 5e6;
    }
    const parts = (rest + decoder.decode(r.value, { stream: true })).split('\r\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lines++;
      const id = /^[^,]+,a(\d+),/.exec(line)?.[1];
      if (id === undefined) continue;
      const n = Number(id);
      if (n > lastId) ordered = false;
      lastId = n;
      if (seen[n] === 0) distinct++;
      seen[n] = 1;
      if (line.includes(`,"'=HYPERLINK(""x"") ${n}"`)) guarded++;
      if (line.includes(',"=HYPERLINK') || line.includes(',=HYPERLINK')) unguarded++;
    }
  }
  assert.equal(rest, '');
  assert.equal(lines, ROWS + 1, 'the header and one line per answer');
  assert.equal(distinct, ROWS, 'every answer exactly once');
  assert.ok(ordered, 'newest first');
  assert.equal(guarded, ROWS / 1000);
  assert.equal(unguarded, 0);
  assert.ok(bytes > 100e6, `${Math.round(bytes / 1e6)} MB of CSV`);
  // Built in memory, the file alone would be over 100 MB live (more as a JS string and a Buffer).
  assert.ok(peak < 30e6, `live memory grew by up to ${(peak / 1e6).toFixed(1)} MB while ${Math.round(bytes / 1e6)} MB were exported`);
  console.log(`exported ${Math.round(bytes / 1e6)} MB, ${ROWS} rows; live memory grew by up to ${(peak / 1e6).toFixed(1)} MB`);
});
