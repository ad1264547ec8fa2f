/**
 * A stored file's media type, judged as it streams from disk in 64 KB chunks (detect-type.ts):
 * memory stays at a chunk and the sniffer's small state whatever the file's size. `onChunk` sees
 * every chunk too (the upload hashes them on the same pass).
 */
import { createReadStream } from 'node:fs';
import type { MediaType } from '../contracts/ingest.ts';
import { TypeSniffer } from './detect-type.ts';

export async function sniffFile(file: string, name: string, onChunk?: (chunk: Buffer) => void): Promise<MediaType> {
  const sniffer = new TypeSniffer(name);
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    onChunk?.(chunk as Buffer);
    sniffer.update(chunk as Buffer);
  }
  return sniffer.finish();
}
