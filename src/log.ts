/**
 * The one structured logger. Components take a child with their name and add context
 * (message id, attempt, document id, topic/partition/offset) to every line.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

/**
 * Creates the process's root logger; call once from an entrypoint. `toStderr`: for processes whose
 * stdout is a protocol (the stdio MCP server).
 */
export function createRootLogger(level: string, role: string, toStderr = false): Logger {
  const options = { level, base: { role, pid: process.pid } };
  root = toStderr ? pino(options, pino.destination(2)) : pino(options);
  return root;
}

/** A child logger for one component; falls back to a silent logger where no root was made (tests). */
export function logger(component: string, context: Record<string, unknown> = {}): Logger {
  root ??= pino({ level: 'silent' });
  return root.child({ component, ...context });
}
