/**
 * Where OCR writes its files (the document for the programs, one rendered page at a time): a
 * directory per parse under `docent-ocr-<pid>` in the system's temp dir. The pid makes it the
 * parse child's own: the parent removes that directory when the child is gone, however it ended
 * (parse-child-process.ts), so a killed parse leaves no rendered pages behind.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The directory of every OCR file a process with this pid writes. */
export function ocrDirOf(pid: number): string {
  return path.join(os.tmpdir(), `docent-ocr-${pid}`);
}

/** Removes a parse's directory, and the process's own when no other parse of it is using it. */
export async function removeOcrDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rmdir(path.dirname(dir)).catch(() => undefined); // another parse's files are still there
}

/** A fresh directory for one parse; remove it with removeOcrDir. */
export async function makeOcrDir(): Promise<string> {
  const base = ocrDirOf(process.pid);
  await fs.mkdir(base, { recursive: true, mode: 0o700 });
  return fs.mkdtemp(path.join(base, 'parse-'));
}
