/**
 * The architecture's import rules (.dependency-cruiser.cjs, .dependency-cruiser-folders.cjs, run by
 * `npm run lint:deps`) are run against a small fixture tree (tests/fixtures/dependency-rules/) that
 * holds one of each forbidden arrow and a few allowed ones, so a rule that stops matching (a
 * renamed folder, a broken pattern) fails here instead of passing silently on the real tree.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'tests/fixtures/dependency-rules');

/** Every violation as "rule: from -> to", sorted. */
async function violations(configFile: string): Promise<string[]> {
  const config = require(path.join(ROOT, configFile)) as IConfiguration;
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const result = await cruise(['src'], {
    ...options,
    baseDir: FIXTURE,
    validate: true,
    ruleSet: { forbidden: config.forbidden ?? [] },
  });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

test('the module rules report each forbidden arrow and the cycle (once), and nothing else', async () => {
  assert.deepEqual(await violations('.dependency-cruiser.cjs'), [
    'contracts-and-ports-stand-alone: src/ports/bad-port.ts -> src/config.ts',
    'no-cycle: src/shared/left.ts -> src/shared/right.ts',
    'web-not-to-model-runtime: src/web/model-page.ts -> src/llm/model.ts',
    'web-not-to-worker: src/web/page.ts -> src/answer/worker-step.ts',
    'worker-not-to-web: src/answer/reply.ts -> src/web/view.ts',
  ]);
});

test('the folder rule reports folders that import each other without a module cycle', async () => {
  const found = await violations('.dependency-cruiser-folders.cjs');
  assert.ok(found.includes('no-folder-cycle: src/chats -> src/analytics'), found.join('\n'));
  assert.ok(found.includes('no-folder-cycle: src/web -> src/answer'), found.join('\n'));
  assert.ok(found.every((v) => v.startsWith('no-folder-cycle: ')), found.join('\n'));
  // A one-way arrow between folders is allowed: web -> ports, web -> helpers -> llm.
  assert.ok(!found.some((v) => v.includes('src/ports') || v.includes('src/helpers') || v.includes('src/llm')), found.join('\n'));
});
