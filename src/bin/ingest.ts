/**
 * Entrypoint: `npm run ingest -- [--collection NAME] [files or folders]` (default: the ingest/
 * inbox) into a running Docent (the arguments: ../cli/ingest-args.ts), or `npm run ingest -- --reindex [--collection NAME]` to rebuild its index (every
 * collection's, or that one's) with the configured embedding model. Exit code 1 when any document failed.
 */
import { parseIngestArgs, type IngestCommand } from '../cli/ingest-args.ts';
import { ingestFiles, listFiles, reindex, type IngestSummary } from '../cli/ingest-files.ts';
import { ServiceClient } from '../cli/service-client.ts';
import { configOrExit } from './config-or-exit.ts';

const config = configOrExit();
let command: IngestCommand;
try {
  command = parseIngestArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`docent ingest: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
const client = new ServiceClient(config.cli.serviceUrl, config.cli.token);
const opts = { progress: process.stdout.isTTY };
let summary: IngestSummary;
try {
  if (command.kind === 'reindex') {
    summary = await reindex(client, { ...opts, collection: command.collection });
  } else {
    const inputs = command.inputs;
    const files = await listFiles(inputs.length > 0 ? inputs : [config.paths.inbox]);
    if (files.length === 0) {
      process.stdout.write(`nothing to ingest: put files in ${config.paths.inbox} or name them on the command line\n`);
      process.exit(0);
    }
    summary = await ingestFiles(client, files, { ...opts, collection: command.collection });
  }
} catch (err) {
  process.stderr.write(`docent ingest: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
const verb = command.kind === 'reindex' ? 're-indexed' : 'ingested';
process.stdout.write(`${verb} ${summary.ingested.length}, skipped ${summary.duplicates.length} duplicates, failed ${summary.failed.length}\n`);
for (const f of summary.failed) process.stdout.write(`  failed: ${f.file}: ${f.reason}\n`);
process.exit(summary.failed.length > 0 ? 1 : 0);
