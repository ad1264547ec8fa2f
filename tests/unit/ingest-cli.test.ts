/**
 * `npm run ingest -- <folder>` as a real process against a running service (in-process web +
 * ingest worker with the real FAISS store, tests/support/ingest-stack.ts): a folder holding a good
 * file, a copy of it under another name (in a subfolder) and a broken PDF gives the summary "ingested 1, skipped 1
 * duplicates, failed 1" with the broken file's reason, exit code 1, and the good document is
 * searchable. A second run over the same folder ingests nothing new and still reports the failure.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startIngestStack } from '../support/ingest-stack.ts';
import { runCli as runBin, type CliRun } from '../support/run-cli.ts';

const cleanup: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** `npm run ingest -- <args>` (src/bin/ingest.ts), its log silenced. */
const runCli = (args: string[], env: Record<string, string>): Promise<CliRun> => runBin('ingest.ts', args, { LOG_LEVEL: 'silent', ...env });

const LIGHTHOUSE = 'The lighthouse keeper climbs the spiral stair at dusk to light the lamp. '.repeat(8);

void test('the ingest CLI on a folder: summary of ingested, duplicate and failed files with reasons, exit code, searchable result', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-ingest-cli-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const svc = await startIngestStack(dir, 'fake-model-cli', { cleanup });
  const inbox = path.join(dir, 'inbox');
  await fs.mkdir(path.join(inbox, 'more'), { recursive: true });
  await fs.writeFile(path.join(inbox, 'a-lighthouse.txt'), LIGHTHOUSE);
  await fs.writeFile(path.join(inbox, 'more', 'b-lighthouse-copy.txt'), LIGHTHOUSE);
  // A PDF header and nothing a PDF parser can read: the service refuses it with its reason.
  await fs.writeFile(path.join(inbox, 'c-broken.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref\n');
  const env = { DOCENT_URL: svc.base, DATA_DIR: path.join(dir, 'cli-data'), VECTORSTORE_DIR: path.join(dir, 'cli-vs'), INGEST_INBOX: path.join(dir, 'empty') };

  const run = await runCli([inbox], env);
  const out = run.stdout;
  assert.equal(run.code, 1, `a failed file makes the exit code 1:\n${out}\n${run.stderr}`);
  assert.match(out, /^ingested 1, skipped 1 duplicates, failed 1$/m, out);
  assert.match(out, /b-lighthouse-copy\.txt: duplicate, skipped/, out);
  const failedLine = out.split('\n').find((l) => l.includes('failed: ') && l.includes('c-broken.pdf'));
  assert.ok(failedLine, out);
  assert.match(failedLine, /c-broken\.pdf: 400: .*PDF/i, 'the service\'s reason follows the file');
  assert.match(out, /a-lighthouse\.txt: ready \(\d+ chunks\)/, out);

  const docs = ((await (await fetch(`${svc.base}/api/documents`)).json()) as { documents: Array<{ id: string; name: string; status: string }> }).documents;
  const good = docs.find((d) => d.name === 'a-lighthouse.txt');
  assert.equal(good?.status, 'ready');
  assert.equal(docs.find((d) => d.name === 'c-broken.pdf'), undefined, 'the service refused the broken file at upload');
  assert.equal((await svc.hitIds('lighthouse keeper spiral stair lamp'))[0], good.id, 'the ingested document is searchable');

  // Run again: the good file is now a duplicate too; the broken one is retried and fails again.
  const again = await runCli([inbox], env);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /^ingested 0, skipped 2 duplicates, failed 1$/m, again.stdout);
});

void test('the ingest CLI with every file fine exits 0; with nothing to ingest it says where to put files', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-ingest-cli-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const svc = await startIngestStack(dir, 'fake-model-cli', { cleanup });
  const inbox = path.join(dir, 'inbox');
  await fs.mkdir(inbox);
  const env = { DOCENT_URL: svc.base, DATA_DIR: path.join(dir, 'cli-data'), VECTORSTORE_DIR: path.join(dir, 'cli-vs'), INGEST_INBOX: inbox };

  const empty = await runCli([], env);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, new RegExp(`nothing to ingest: put files in ${inbox.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // No arguments: the inbox (INGEST_INBOX) is ingested.
  await fs.writeFile(path.join(inbox, 'lighthouse.md'), `# Lighthouse\n\n${LIGHTHOUSE}`);
  const run = await runCli([], env);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^ingested 1, skipped 0 duplicates, failed 0$/m, run.stdout);
});
