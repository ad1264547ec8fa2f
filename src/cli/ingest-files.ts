/**
 * Bulk ingestion through a running Docent: every file (folders are walked) is uploaded and
 * followed to `ready` or `failed`, with a progress bar; the summary counts ingested, duplicate and
 * failed files with their reasons.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { ServiceClient } from './service-client.ts';

export interface IngestSummary {
  ingested: string[];
  duplicates: string[];
  failed: Array<{ file: string; reason: string }>;
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

export async function ingestFiles(client: ServiceClient, files: string[], opts: { progress: boolean }): Promise<IngestSummary> {
  const summary: IngestSummary = { ingested: [], duplicates: [], failed: [] };
  const bar = opts.progress
    ? new cliProgress.SingleBar({ format: '{bar} {value}/{total} files | {file}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(files.length, 0, { file: '' });
  for (const file of files) {
    const name = path.basename(file);
    bar?.update({ file: name });
    try {
      const doc = await client.upload(file);
      if (doc.duplicate) summary.duplicates.push(file);
      else {
        const final = await waitForDocument(client, doc.id);
        if (final.status === 'ready') summary.ingested.push(file);
        else summary.failed.push({ file, reason: final.error ?? 'failed' });
      }
    } catch (err) {
      summary.failed.push({ file, reason: err instanceof Error ? err.message : String(err) });
    }
    bar?.increment();
  }
  bar?.stop();
  return summary;
}

async function waitForDocument(client: ServiceClient, id: string) {
  for (;;) {
    const d = await client.document(id);
    if (d.status === 'ready' || d.status === 'failed') return d;
    await new Promise((r) => setTimeout(r, 500));
  }
}
