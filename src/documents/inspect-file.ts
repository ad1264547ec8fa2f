/**
 * What an uploaded file is, read once from disk in 64 KB chunks: its sha256 (the document id) and
 * its media type (detect-type.ts, judged as the bytes stream by). Memory stays at a chunk and the
 * sniffer's small state whatever the file's size; nothing reads the whole file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { MediaType } from '../contracts/ingest.ts';
import { TypeSniffer } from '../ingest/detect-type.ts';

export async function inspectFile(file: string, name: string): Promise<{ sha256: string; mediaType: MediaType }> {
  const hash = createHash('sha256');
  const sniffer = new TypeSniffer(name);
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    hash.update(chunk as Buffer);
    sniffer.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), mediaType: sniffer.finish() };
}
