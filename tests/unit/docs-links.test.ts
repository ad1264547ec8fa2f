/**
 * Every relative link of the user documentation leads somewhere: README.md, docs/*.md and the
 * READMEs of the folders a user opens. A link to a file needs the file (or folder); a link with
 * `#anchor` needs a heading of that file whose GitHub anchor it is (or an `<a id>`), so moving a
 * section between files, or renaming its heading, cannot leave a dead link behind. Web and mail
 * links and links inside code are not followed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { headingAnchors, markdownLinks, slug } from '../support/markdown-links.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The documentation files, relative to the repository root. */
function documentationFiles(): string[] {
  const docs = fs.existsSync(path.join(ROOT, 'docs'))
    ? fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)
    : [];
  const folderReadmes = ['models', 'src', 'ingest', 'vectorstore', 'tests/fixtures'].map((d) => `${d}/README.md`);
  return ['README.md', ...docs, ...folderReadmes].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = headingAnchors(fs.readFileSync(file, 'utf8'));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Why a link from `from` (repository-relative) does not resolve, or null when it does. */
function brokenReason(from: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // http:, https:, mailto:, ...
  const hash = target.indexOf('#');
  const filePart = decodeURI(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const resolved = filePart === '' ? path.join(ROOT, from) : path.resolve(path.dirname(path.join(ROOT, from)), filePart);
  const shown = path.relative(ROOT, resolved) || '.';
  if (shown.startsWith('..')) return `${shown} is outside the repository`;
  if (!fs.existsSync(resolved)) return `${shown} does not exist`;
  if (anchor === null) return null;
  if (!resolved.endsWith('.md')) {
    return /^L\d+(-L\d+)?$/.test(anchor) ? null : `#${anchor} points into ${shown}, which is not Markdown`;
  }
  return anchorsOf(resolved).has(anchor) ? null : `${shown} has no heading with the anchor #${anchor}`;
}

void test('anchors follow GitHub: lower case, punctuation but - and _ gone, spaces to -, repeats numbered', () => {
  // Anchors the README has linked to since before docs/ existed, as GitHub renders them.
  assert.equal(slug('Rotating to a new embedding model'), 'rotating-to-a-new-embedding-model');
  assert.equal(slug('Scans and images (OCR)'), 'scans-and-images-ocr');
  assert.equal(slug('Private chats, export and retention'), 'private-chats-export-and-retention');
  assert.equal(slug('Single sign-on (OpenID Connect)'), 'single-sign-on-openid-connect');
  assert.equal(slug('Use `npm_config` & more: 2.0'), 'use-npm_config--more-20');
  assert.equal(slug('Über [the API](docs/api.md)'), 'über-the-api');
  const anchors = headingAnchors('# A\n\n```sh\n# not a heading\n```\n\n## Notes\n\n### Notes\n\n<a id="here"></a>text\n');
  assert.deepEqual([...anchors].sort(), ['a', 'here', 'notes', 'notes-1']);
});

void test('links inside code are not links; titles and angle brackets are read', () => {
  const links = markdownLinks('See [a](x.md "title") and `[b](y.md)`.\n\n```\n[c](z.md)\n```\n[d](<w w.md>)\n[e]: v.md\n');
  assert.deepEqual(links.map((l) => [l.line, l.target]), [[1, 'x.md'], [6, 'w w.md'], [7, 'v.md']]);
});

void test('every relative link and anchor in the documentation resolves', () => {
  const files = documentationFiles();
  assert.ok(files.includes('README.md'));
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const link of markdownLinks(fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      checked++;
      const reason = brokenReason(file, link.target);
      if (reason) broken.push(`${file}:${link.line} [${link.text.trim()}](${link.target}): ${reason}`);
    }
  }
  assert.ok(checked > 20, `only ${checked} links found: is the link parser still reading the files?`);
  assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
});
