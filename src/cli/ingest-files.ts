/**
 * Bulk ingestion through a running Docent: every file (folders are walked) is uploaded, one file
 * per request (MAX_UPLOAD_MB bounds a whole request), then each document is followed on
 * GET /api/documents/:id to `ready` or `failed`. On a terminal every running document has its own
 * bar with its stage and what the stage counts ("embedding chunk 64/900"); elsewhere (a log, CI)
 * one line per stage change. The summary counts ingested, duplicate and failed files with reasons.
 * An upload that waits for a re-index (the index was built by another embedding model) is not
 * waited on: it counts as failed with the reason, which names `npm run ingest -- --reindex`.
 *
 * `--collection NAME` uploads into that collection (id or name; checked once before any upload).
 * `--reindex` asks the service to rebuild the index with the configured embedding model
 * (POST /api/index/reindex; with `--collection NAME` only that collection's index,
 * POST /api/collections/:id/reindex) and follows the re-indexed documents the same way.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { WAITING_FOR_REINDEX_STAGE } from '../contracts/ingest.ts';
import type { ApiDocument, ServiceClient } from './service-client.ts';

export interface IngestSummary {
  ingested: string[];
  duplicates: string[];
  failed: Array<{ file: string; reason: string }>;
}

export interface FollowOptions {
  /** Bars on a terminal; otherwise one line per stage change. */
  progress: boolean;
  /** Where lines and bars go; default stdout. */
  out?: NodeJS.WritableStream;
  /** How often each running document is asked for; default 400 ms. */
  pollMs?: number;
  /** The collection (id or name) to upload into (default General), or to re-index alone (default all). */
  collection?: string | undefined;
}

export async function listFiles(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const stat = await fs.stat(input);
    if (stat.isDirectory()) {
      const entries = await fs.readdir(input, { withFileTypes: true });
      const children = entries.filter((e) => !e.name.startsWith('.') && e.name !== 'README.md').map((e) => path.join(input, e.name));
      out.push(...(await listFiles(children)));
    } else if (stat.isFile()) out.push(input);
  }
  return out.sort();
}

/** "embedding chunk 64/900", "parsing page 3/12", or the stage alone when it does not count. */
export function stageLabel(d: Pick<ApiDocument, 'status' | 'stage' | 'done' | 'total'>): string {
  const stage = d.stage ?? d.status;
  const unit = stage === 'parsing' || stage === 'recognising' ? 'page' : stage === 'embedding' ? 'chunk' : '';
  return unit && typeof d.done === 'number' && typeof d.total === 'number' ? `${stage} ${unit} ${d.done}/${d.total}` : stage;
}

export async function ingestFiles(client: ServiceClient, files: string[], opts: FollowOptions): Promise<IngestSummary> {
  const out = opts.out ?? process.stdout;
  const summary: IngestSummary = { ingested: [], duplicates: [], failed: [] };
  const follow = new Map<string, string>();
  // An unknown collection stops the run before any upload, rather than refusing every file.
  const collection = opts.collection === undefined ? undefined : (await client.collection(opts.collection)).id;
  for (const file of files) {
    try {
      const doc = await client.upload(file, collection);
      if (doc.duplicate) summary.duplicates.push(file);
      else follow.set(doc.id, file);
      if (!opts.progress) out.write(`${file}: ${doc.duplicate ? 'duplicate, skipped' : 'uploaded'}\n`);
    } catch (err) {
      summary.failed.push({ file, reason: err instanceof Error ? err.message : String(err) });
      if (!opts.progress) out.write(`${file}: refused: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  const final = await followDocuments(client, follow, opts, waitsForReindex);
  for (const [id, file] of follow) {
    const d = final.get(id);
    if (d?.status === 'ready') summary.ingested.push(file);
    else summary.failed.push({ file, reason: d?.error ?? 'failed' });
  }
  return summary;
}

/** Re-indexes (every collection, or `opts.collection` alone) through the service and follows every re-indexed document. */
export async function reindex(client: ServiceClient, opts: FollowOptions): Promise<IngestSummary> {
  const docs = await client.reindex(opts.collection);
  const follow = new Map(docs.map((d) => [d.id, d.name]));
  // The re-index itself indexes the documents that wait for it: followed to the end.
  const final = await followDocuments(client, follow, opts, () => false);
  const summary: IngestSummary = { ingested: [], duplicates: [], failed: [] };
  for (const [id, name] of follow) {
    const d = final.get(id);
    if (d?.status === 'ready') summary.ingested.push(name);
    else summary.failed.push({ file: name, reason: d?.error ?? 'failed' });
  }
  return summary;
}

const waitsForReindex = (d: ApiDocument): boolean => d.status === 'queued' && d.stage === WAITING_FOR_REINDEX_STAGE;

/**
 * Polls each document until it is ready or failed (or `stopsAt` says it will not move on its own);
 * a bar (or a line per stage) per running one.
 */
async function followDocuments(
  client: ServiceClient,
  docs: Map<string, string>,
  opts: FollowOptions,
  stopsAt: (d: ApiDocument) => boolean,
): Promise<Map<string, ApiDocument>> {
  const finished = (d: ApiDocument): boolean => d.status === 'ready' || d.status === 'failed' || stopsAt(d);
  const out = opts.out ?? process.stdout;
  const pollMs = opts.pollMs ?? 400;
  const final = new Map<string, ApiDocument>();
  const multi = opts.progress
    ? new cliProgress.MultiBar({ format: '{bar} {percentage}% | {name} | {label}', hideCursor: true, clearOnComplete: false, stream: out }, cliProgress.Presets.shades_classic)
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  const lastLabel = new Map<string, string>();
  const waiting = new Map(docs);
  while (waiting.size > 0) {
    for (const [id, file] of waiting) {
      let d: ApiDocument;
      try {
        d = await client.document(id);
      } catch (err) {
        // 404: the document left the service (deleted); anything else: the service went away.
        d = { id, name: path.basename(file), status: 'failed', error: err instanceof Error ? err.message : String(err) };
      }
      const label = !finished(d)
        ? stageLabel(d)
        : d.status === 'ready'
          ? `ready (${d.chunks ?? 0} chunks)`
          : d.status === 'failed'
            ? `failed: ${d.error ?? ''}`
            : `${d.stage ?? d.status}: ${d.error ?? ''}`;
      const pct = Math.round((finished(d) ? 1 : (d.progress ?? 0)) * 100);
      if (multi) {
        let bar = bars.get(id);
        if (!bar && (d.status !== 'queued' || finished(d))) bars.set(id, (bar = multi.create(100, 0, { name: path.basename(file), label })));
        bar?.update(pct, { label });
      } else if (lastLabel.get(id) !== label) {
        out.write(`${path.basename(file)}: ${label}${finished(d) ? '' : ` (${pct}%)`}\n`);
      }
      lastLabel.set(id, label);
      if (finished(d)) {
        final.set(id, d);
        waiting.delete(id);
      }
    }
    if (waiting.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
  multi?.stop();
  return final;
}
