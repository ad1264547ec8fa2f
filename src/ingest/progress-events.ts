/**
 * Publishes one document's progress on `ingest.events`: stage changes always, repeats of a stage
 * (pages read, chunks embedded) at most every PROGRESS_INTERVAL_MS, in order. A lost progress
 * message is logged and skipped (the final status is what matters); final statuses are awaited.
 */
import { INGEST_CONTRACT_VERSION, type IngestEvent } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { IngestProgress } from './pipeline.ts';

/** Progress messages are sent at most this often per job (plus every stage change). */
const PROGRESS_INTERVAL_MS = 250;

export type EventBody = Omit<IngestEvent, 'v' | 'documentId' | 'name' | 'at'>;

export interface ProgressEvents {
  /** Throttled `processing` event for a pipeline progress report. */
  progress(p: IngestProgress): void;
  /** Waits for the progress already sent, then sends `e` (a final status). */
  send(e: EventBody): Promise<void>;
}

export function progressEvents(bus: MessageBus, doc: { documentId: string; name: string }, log: Logger): ProgressEvents {
  const emit = (e: EventBody): Promise<void> =>
    bus.broadcast(EXCHANGES.ingestEvents, { v: INGEST_CONTRACT_VERSION, documentId: doc.documentId, name: doc.name, at: Date.now(), ...e });
  let lastSent = 0;
  let lastStage = '';
  let pending: Promise<void> = Promise.resolve();
  return {
    progress(p) {
      const now = Date.now();
      // The last count of a stage (e.g. chunk 900/900) always goes out.
      const complete = p.done !== null && p.done === p.total;
      if (p.stage === lastStage && now - lastSent < PROGRESS_INTERVAL_MS && !complete) return;
      lastSent = now;
      lastStage = p.stage;
      const event: EventBody = { status: 'processing', error: null, ...p };
      pending = pending.then(() => emit(event)).catch((err: unknown) => log.warn({ err }, 'progress not sent'));
    },
    async send(e) {
      await pending;
      await emit(e);
    },
  };
}
