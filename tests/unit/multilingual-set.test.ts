/**
 * The German evaluation set (bench/data/squad-dev-de.json, bench/multilingual-sets.ts): every
 * German answer is in its German paragraph, every question id is a squad-dev question, and the
 * built sets' gold spans point at the right paragraph.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { englishDocsSet, germanSet, loadTranslation } from '../../bench/multilingual-sets.ts';
import { loadSquadSet } from '../../src/eval/squad-set.ts';

void test('the German set: 64 questions on 32 paragraphs, spans on the translated and on the English paragraphs', async () => {
  const t = await loadTranslation(path.resolve('bench/data/squad-dev-de.json'));
  assert.equal(t.paragraphs.length, 32);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-de-set-'));
  try {
    const de = await germanSet(t, path.join(tmp, 'de'));
    assert.equal(de.questions.length, 64);
    assert.equal(de.docs.length, 16);
    for (const q of de.questions) {
      const text = fs.readFileSync(path.join(de.dir, 'docs', q.doc), 'utf8').slice(q.span[0], q.span[1]);
      assert.ok(q.answers.some((a) => text.includes(a)), `${q.id}: the span holds its answer`);
    }
    const english = await loadSquadSet(path.resolve('../shared/eval/squad-dev'));
    const cross = await englishDocsSet(t, english, 'de', path.join(tmp, 'de-en'));
    const original = new Map(english.questions.map((q) => [q.id, q]));
    for (const q of cross.questions) {
      assert.deepEqual(q.span, original.get(q.id)?.span, `${q.id}: the English gold paragraph`);
      assert.notEqual(q.question, original.get(q.id)?.question, `${q.id}: asked in German`);
    }
    const mixed = await germanSet(t, path.join(tmp, 'mixed'), english);
    assert.equal(mixed.docs.length, 32);
    assert.ok(mixed.questions.every((q) => q.doc.startsWith('de-')));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
