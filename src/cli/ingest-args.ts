/**
 * The command line of `npm run ingest`: files or folders to upload, optionally `--collection NAME`
 * (or `--collection=NAME`; an id or a name) to upload into, or `--reindex` to rebuild the index
 * (every collection's, or with `--collection NAME` that collection's alone).
 * Bad usage is an Error whose message says what to write instead; nothing is sent then.
 */

export type IngestCommand = { kind: 'ingest'; inputs: string[]; collection?: string | undefined } | { kind: 'reindex'; collection?: string | undefined };

export const INGEST_USAGE = 'usage: npm run ingest -- [--collection NAME] [files or folders]  |  npm run ingest -- --reindex [--collection NAME]';

export function parseIngestArgs(args: readonly string[]): IngestCommand {
  const inputs: string[] = [];
  let collection: string | undefined;
  let reindex = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--reindex') reindex = true;
    else if (arg === '--collection' || arg.startsWith('--collection=')) {
      const value = arg === '--collection' ? args[++i] : arg.slice('--collection='.length);
      if (value === undefined || value.trim() === '' || value.startsWith('--')) throw new Error(`--collection needs the id or name of a collection, e.g. --collection "HR handbook". ${INGEST_USAGE}`);
      if (collection !== undefined) throw new Error(`--collection is given twice ("${collection}", "${value}"): one upload goes into one collection.`);
      collection = value;
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}. ${INGEST_USAGE}`);
    else inputs.push(arg);
  }
  if (reindex) {
    if (inputs.length > 0) throw new Error(`--reindex takes no files (it re-indexes the documents already stored). ${INGEST_USAGE}`);
    // With --collection only that collection's index is rebuilt (POST /api/collections/:id/reindex).
    return collection === undefined ? { kind: 'reindex' } : { kind: 'reindex', collection };
  }
  return { kind: 'ingest', inputs, collection };
}
