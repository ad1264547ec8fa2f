/**
 * What an uploaded file is, read once from disk in 64 KB chunks: its sha256 (the document id) and
 * its media type (sniff-file.ts, judged as the bytes stream by). Memory stays at a chunk and the
 * sniffer's small state whatever the file's size; nothing reads the whole file.
 */
import { createHash } from 'node:crypto';
import type { MediaType } from '../contracts/ingest.ts';
import { sniffFile } from '../ingest/sniff-file.ts';

export async function inspectFile(file: string, name: string): Promise<{ sha256: string; mediaType: MediaType }> {
  const hash = createHash('sha256');
  const mediaType = await sniffFile(file, name, (chunk) => hash.update(chunk));
  return { sha256: hash.digest('hex'), mediaType };
}
