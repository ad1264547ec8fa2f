/**
 * The one structured logger. Components take a child with their name and add context
 * (message id, attempt, document id, topic/partition/offset) to every line. A line written inside
 * a traced span carries its `traceId` and `spanId` (src/tracing/), so the logs of one question or
 * upload are found from its trace and back.
 */
import { context, trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

/**
 * Creates the process's root logger; call once from an entrypoint. `toStderr`: for processes whose
 * stdout is a protocol (the stdio MCP server).
 */
export function createRootLogger(level: string, role: string, toStderr = false): Logger {
  const options = { level, base: { role, pid: process.pid }, mixin: traceFields };
  root = toStderr ? pino(options, pino.destination(2)) : pino(options);
  return root;
}

/** A child logger for one component; falls back to a silent logger where no root was made (tests). */
export function logger(component: string, context: Record<string, unknown> = {}): Logger {
  root ??= pino({ level: 'silent' });
  return root.child({ component, ...context });
}

/** The active span's ids; nothing without one (tracing off: the context is always the root). */
export function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId } : {};
}
