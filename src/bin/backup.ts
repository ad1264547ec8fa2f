/**
 * Entrypoint: `npm run backup -- DIR` copies everything Docent keeps in DATA_DIR and
 * VECTORSTORE_DIR into the new or empty folder DIR while Docent runs (src/backup/backup.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backup } from '../backup/backup.ts';
import { configOrExit } from './config-or-exit.ts';

const config = configOrExit();
const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const [dest] = positionals;
if (dest === undefined || positionals.length > 1) {
  process.stderr.write('usage: npm run backup -- DIR   (DIR: a new or empty folder outside DATA_DIR and VECTORSTORE_DIR)\n');
  process.exit(2);
}
const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
const started = performance.now();
try {
  const m = await backup({
    data: config.paths.data,
    vectorstore: config.paths.vectorstore,
    dest,
    docentVersion: pkg.version,
    onStep: (s) => process.stdout.write(`backup: ${s}\n`),
  });
  const bytes = m.files.reduce((n, f) => n + f.size, 0);
  process.stdout.write(`backup written to ${path.resolve(dest)}: ${m.files.length} files, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} catch (err) {
  process.stderr.write(`backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
