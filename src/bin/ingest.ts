/** Entrypoint: `npm run ingest -- [files or folders]` (default: the ingest/ inbox) into a running Docent. */
import { loadConfig } from '../config.ts';
import { ingestFiles, listFiles } from '../cli/ingest-files.ts';
import { ServiceClient } from '../cli/service-client.ts';

const config = loadConfig();
const inputs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = await listFiles(inputs.length > 0 ? inputs : [config.paths.inbox]);
if (files.length === 0) {
  process.stdout.write(`nothing to ingest: put files in ${config.paths.inbox} or name them on the command line\n`);
  process.exit(0);
}
const summary = await ingestFiles(new ServiceClient(config.cli.serviceUrl), files, { progress: process.stdout.isTTY });
process.stdout.write(`ingested ${summary.ingested.length}, skipped ${summary.duplicates.length} duplicates, failed ${summary.failed.length}\n`);
for (const f of summary.failed) process.stdout.write(`  failed: ${f.file}: ${f.reason}\n`);
process.exit(summary.failed.length > 0 ? 1 : 0);
