/**
 * Every setting the configuration schema knows has a row in the README's configuration table, so
 * an operator can find what a variable does and its default without reading the code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import test from 'node:test';
import { schema } from '../../src/config-schema.ts';

void test('the README configuration table has a row for every variable of the schema', async () => {
  const readme = await fs.readFile(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
  // A row's first cell names one variable or several (`TLS_CERT`, `TLS_KEY`).
  const firstCells = [...readme.matchAll(/^\| (`[A-Z][A-Z0-9_]*`(?:, `[A-Z][A-Z0-9_]*`)*) \|/gm)].map((m) => m[1]!);
  const rows = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!)));
  const missing = Object.keys(schema.shape).filter((name) => !rows.has(name));
  assert.deepEqual(missing, [], `settings without a README row: ${missing.join(', ')}`);
});
