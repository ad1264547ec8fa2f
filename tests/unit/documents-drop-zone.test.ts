/**
 * The Documents page's drop zone: the upload form carries the server's accepted extensions, media
 * types and per-file limit as data attributes (one list, src/contracts/accepted-files.ts), has a
 * file picker and a folder picker, and loads its script from /static (served as JavaScript); and
 * the browser-side helpers (templates/static/upload-files.js, run here in Node with stand-ins for
 * the File System entries API): a folder is read in full although each readEntries() call returns
 * at most 100 entries, hidden names are left out, unsupported types, files over the limit and empty
 * files are skipped with the reason.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPTED_EXTENSIONS, ACCEPTED_FORMATS } from '../../src/contracts/accepted-files.ts';
import { SUPPORTED_MEDIA_TYPES } from '../../src/contracts/ingest.ts';
import { documentsPage } from '../../templates/documents.ts';
import { startTestServer, type TestServer } from '../support/fake-services.ts';

interface Picked { file?: File; path: string; error?: string }
interface Rules { extensions: string[]; types: string[]; maxBytes: number; accepted: string }
interface UploadFiles {
  rulesFrom(form: { getAttribute(name: string): string | null }): Rules;
  skipReason(file: { name: string; type: string; size: number }, rules: Rules): string | null;
  walkDropped(dropped: Array<{ entry: FakeEntry } | Picked>): Promise<{ files: Picked[]; hidden: number }>;
  pickedFiles(files: Array<{ name: string; webkitRelativePath: string }>): { files: Picked[]; hidden: number };
}
const helpers = (await import(new URL('../../templates/static/upload-files.js', import.meta.url).href)) as UploadFiles;

/** A FileSystemEntry stand-in; a directory's reader hands out at most 100 children per call, as Chromium's does. */
interface FakeEntry {
  name: string;
  fullPath: string;
  isFile: boolean;
  isDirectory: boolean;
  file(ok: (f: File) => void, fail: (e: Error) => void): void;
  createReader(): { readEntries(ok: (batch: FakeEntry[]) => void, fail: (e: Error) => void): void };
}
let readCalls = 0;
function fileEntry(dir: string, name: string): FakeEntry {
  return {
    name,
    fullPath: `${dir}/${name}`,
    isFile: true,
    isDirectory: false,
    file: (ok) => setImmediate(() => ok(new File(['text'], name, { type: 'text/plain' }))),
    createReader: () => assert.fail('a file has no reader'),
  };
}
function dirEntry(parent: string, name: string, children: (dir: string) => FakeEntry[]): FakeEntry {
  const fullPath = `${parent}/${name}`;
  return {
    name,
    fullPath,
    isFile: false,
    isDirectory: true,
    file: () => assert.fail('a folder is no file'),
    createReader: () => {
      const left = children(fullPath);
      return {
        readEntries: (ok) => {
          readCalls++;
          setImmediate(() => ok(left.splice(0, 100)));
        },
      };
    },
  };
}

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_UPLOAD_MB: '3' });
});
after(async () => {
  await srv.close();
});

void test('the upload form is the drop zone, with the server’s accepted types and exact per-file limit as data attributes', () => {
  const page = documentsPage({ page: { documents: [], next: null, total: 0 }, query: { limit: 50, sort: 'added', order: 'desc' }, collections: [] }, 1_234_567).value;
  const form = /<form id="upload-form"[^>]*>/.exec(page)?.[0] ?? assert.fail('no upload form');
  assert.match(form, /class="card drop-zone"/);
  assert.match(form, /method="post" action="\/documents" enctype="multipart\/form-data"/, 'a plain post without JavaScript');
  assert.match(form, new RegExp(`data-accept-extensions="${ACCEPTED_EXTENSIONS.join(',').replaceAll('.', '\\.')}"`));
  assert.ok(form.includes(`data-accept-types="${SUPPORTED_MEDIA_TYPES.join(',')}"`), form);
  assert.ok(form.includes(`data-accepted="${ACCEPTED_FORMATS}"`), form);
  assert.match(form, /data-max-bytes="1234567"/);
  assert.match(page, /up to 1\.2 MB each/);
  // Keyboard-reachable pickers: several files (posted by the plain form), and a folder (script only: no name, shown by the script).
  assert.match(page, /<input id="file" name="file" type="file" multiple accept="\.pdf,[^"]*application\/pdf[^"]*">/);
  assert.match(page, /<span class="folder-picker" hidden><label for="folder"[^>]*>or a folder<\/label> <input id="folder" type="file" webkitdirectory multiple><\/span>/);
  assert.match(page, /<script type="module" src="\/static\/upload-drop\.js"><\/script>/);
  assert.doesNotMatch(page, /<script>|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts (CSP)');
});

void test('the page as served names MAX_UPLOAD_MB in bytes, and its scripts are served as JavaScript', async () => {
  const page = await (await fetch(`${srv.url}/documents`)).text();
  assert.match(page, new RegExp(`data-max-bytes="${3 * 1024 * 1024}"`));
  for (const file of ['upload-drop.js', 'upload-files.js', 'upload-follow.js', 'upload-send.js', 'csrf.js', 'document-list.js', 'document-rows.js', 'document-live.js', 'document-bulk.js']) {
    const res = await fetch(`${srv.url}/static/${file}`);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type') ?? '', /javascript/, file);
  }
  assert.match(await (await fetch(`${srv.url}/static/csrf.js`)).text(), /window\.docentToken = \{/, 'XMLHttpRequest uploads get the token from csrf.js');
});

void test('checks before upload: type by extension or media type, the per-file limit, empty files', () => {
  const rules = helpers.rulesFrom({
    getAttribute: (n: string) =>
      ({ 'data-accept-extensions': ACCEPTED_EXTENSIONS.join(','), 'data-accept-types': SUPPORTED_MEDIA_TYPES.join(','), 'data-max-bytes': '1000', 'data-accepted': ACCEPTED_FORMATS })[n] ?? null,
  });
  assert.equal(helpers.skipReason({ name: 'Report.PDF', type: '', size: 10 }, rules), null);
  assert.equal(helpers.skipReason({ name: 'notes', type: 'text/markdown', size: 10 }, rules), null, 'a known media type passes without an extension');
  assert.equal(helpers.skipReason({ name: 'photo.png', type: 'image/png', size: 10 }, rules), null, 'images are read by OCR');
  assert.equal(helpers.skipReason({ name: 'clip.gif', type: 'image/gif', size: 10 }, rules), `not a supported type (.gif); ${ACCEPTED_FORMATS}`);
  assert.equal(helpers.skipReason({ name: 'Makefile', type: '', size: 10 }, rules), `not a supported type (no extension); ${ACCEPTED_FORMATS}`);
  assert.equal(helpers.skipReason({ name: 'big.txt', type: 'text/plain', size: 1001 }, rules), '1001 B is over the limit of 1000 B per file');
  assert.equal(helpers.skipReason({ name: 'big.txt', type: 'text/plain', size: 1000 }, rules), null, 'the limit itself is allowed');
  assert.equal(helpers.skipReason({ name: 'empty.md', type: '', size: 0 }, rules), 'empty: choose a file with content');
});

void test('a dropped folder is read in full (readEntries until it returns none), hidden names left out', async () => {
  readCalls = 0;
  const many = (dir: string) => Array.from({ length: 250 }, (_, i) => fileEntry(dir, `note-${i}.txt`));
  const root = dirEntry('', 'docs', (dir) => [
    ...many(dir),
    fileEntry(dir, '.DS_Store'),
    dirEntry(dir, '.git', (d) => [fileEntry(d, 'config')]),
    dirEntry(dir, 'nested', (d) => [fileEntry(d, 'deep.md')]),
  ]);
  const loose = new File(['x'], 'loose.pdf');
  const { files, hidden } = await helpers.walkDropped([{ entry: root }, { file: loose, path: 'loose.pdf' }, { file: loose, path: '.hidden.pdf' }]);
  const paths = files.map((f) => f.path);
  assert.equal(paths.length, 252, 'every file of the folder, past the first 100 of each readEntries call');
  assert.ok(paths.includes('docs/note-249.txt') && paths.includes('docs/nested/deep.md') && paths.includes('loose.pdf'));
  assert.equal(hidden, 3, '.DS_Store, .git (not entered) and the loose hidden file');
  assert.ok(!paths.some((p) => p.includes('.git')));
  assert.ok(readCalls >= 4, 'the root folder took several readEntries calls');
});

void test('a folder picker’s files: hidden files and files in hidden folders are left out', () => {
  const picked = helpers.pickedFiles([
    { name: 'a.md', webkitRelativePath: 'proj/a.md' },
    { name: 'HEAD', webkitRelativePath: 'proj/.git/HEAD' },
    { name: '.env', webkitRelativePath: 'proj/.env' },
    { name: 'b.txt', webkitRelativePath: '' },
  ]);
  assert.deepEqual(picked.files.map((f) => f.path), ['proj/a.md', 'b.txt']);
  assert.equal(picked.hidden, 2);
});
