/**
 * The one structured logger. Components take a child with their name and add context
 * (message id, attempt, document id, topic/partition/offset) to every line.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

/** Creates the process's root logger; call once from an entrypoint. */
export function createRootLogger(level: string, role: string): Logger {
  root = pino({ level, base: { role, pid: process.pid } });
  return root;
}

/** A child logger for one component; falls back to a silent logger where no root was made (tests). */
export function logger(component: string, context: Record<string, unknown> = {}): Logger {
  root ??= pino({ level: 'silent' });
  return root.child({ component, ...context });
}
