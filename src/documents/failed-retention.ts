/**
 * FAILED_UPLOAD_RETENTION_HOURS: a document that failed stays in the list with its reason for the
 * retention period (time to read why and fix the file), then its row and its stored upload are
 * removed, as if it had been deleted: the live list is told it is `deleted`. Uploading the same
 * content again later is a new upload. A document retried meanwhile (re-uploaded, re-indexed) is
 * no longer `failed` and is left alone. The sweep runs at start and every few minutes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import type { DocumentView } from '../ports/document-service.ts';
import type { DocumentRegistry } from './registry.ts';

/** How often failed documents past their retention are looked for (at most). */
const SWEEP_INTERVAL_MS = 5 * 60_000;

export interface FailedSweeper {
  /** Removes failed documents past their retention; returns their ids. */
  sweep(): Promise<string[]>;
  stop(): void;
}

export function startFailedSweeper(deps: {
  registry: DocumentRegistry;
  uploadsDir: string;
  retentionMs: number;
  now: () => number;
  logger: Logger;
  onRemoved: (doc: DocumentView) => void;
}): FailedSweeper {
  const sweep = async (): Promise<string[]> => {
    const removed: string[] = [];
    for (const doc of deps.registry.failedBefore(deps.now() - deps.retentionMs)) {
      if (!deps.registry.removeIfFailed(doc.id)) continue;
      await fs.rm(path.join(deps.uploadsDir, doc.id), { force: true });
      removed.push(doc.id);
      deps.onRemoved({ ...doc, status: 'deleted', stage: 'deleted', updatedAt: deps.now() });
      deps.logger.info({ documentId: doc.id, name: doc.name }, 'failed document removed after its retention period');
    }
    return removed;
  };
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => deps.logger.warn({ err }, 'removing failed documents failed'));
  }, Math.min(SWEEP_INTERVAL_MS, deps.retentionMs));
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
