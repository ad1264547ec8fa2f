/**
 * Entrypoint: `npm run restore -- DIR [--force]` verifies the backup in DIR and puts it into
 * DATA_DIR and VECTORSTORE_DIR (src/backup/restore.ts). Docent must be stopped on those folders.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { restore } from '../backup/restore.ts';
import { configOrExit } from './config-or-exit.ts';

const config = configOrExit();
const { positionals, values } = parseArgs({ allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
const [from] = positionals;
if (from === undefined || positionals.length > 1) {
  process.stderr.write('usage: npm run restore -- DIR [--force]   (DIR: a folder written by npm run backup)\n');
  process.exit(2);
}
try {
  const m = await restore({ from, data: config.paths.data, vectorstore: config.paths.vectorstore, force: values.force });
  process.stdout.write(`restored the backup of ${m.finishedAt} (${m.files.length} files) into ${path.resolve(config.paths.data)} and ${path.resolve(config.paths.vectorstore)}\n`);
} catch (err) {
  process.stderr.write(`restore refused: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
