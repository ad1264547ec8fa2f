/**
 * Chat retention (CHAT_RETENTION_DAYS): chats whose last activity (the last question asked or
 * answer written in them) is older than the retention are deleted with their turns. Checked once
 * when started and then every `intervalMs` (an hour) by the process that owns the chat store (the
 * web). Analytics is not touched: its rows and aggregates live in the analytics store and stay.
 * A chat with an answer being written was active moments ago, so it is never old enough.
 */
import type { Logger } from '../log.ts';
import type { ChatStore } from './chat-types.ts';

export const RETENTION_SWEEP_MS = 3_600_000;

/** Deletes the chats last active before now - retentionMs; returns how many. */
export function sweepChats(store: Pick<ChatStore, 'deleteInactive'>, retentionMs: number, now: number): number {
  return store.deleteInactive(now - retentionMs);
}

export interface ChatRetentionOptions {
  retentionMs: number;
  logger: Logger;
  /** The clock (tests move it). Default Date.now. */
  now?: () => number;
  /** Between sweeps; default RETENTION_SWEEP_MS (an hour). */
  intervalMs?: number;
}

/** Sweeps now and then every interval; the returned function stops it (idempotent). */
export function startChatRetention(store: Pick<ChatStore, 'deleteInactive'>, opts: ChatRetentionOptions): () => void {
  const now = opts.now ?? Date.now;
  const sweep = (): void => {
    try {
      const deleted = sweepChats(store, opts.retentionMs, now());
      if (deleted > 0) opts.logger.info({ deleted, retentionDays: opts.retentionMs / 86_400_000 }, 'deleted chats past their retention');
    } catch (err) {
      // A failed sweep (the store busy or closing) is tried again at the next interval.
      opts.logger.error({ err }, 'chat retention sweep failed');
    }
  };
  sweep();
  const timer = setInterval(sweep, opts.intervalMs ?? RETENTION_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
