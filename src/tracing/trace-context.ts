/**
 * Spans and W3C trace context for Docent's own work, over the OpenTelemetry API only (the SDK is
 * set up in ./tracing.ts, or not at all: then every call here is a cheap no-op).
 *
 * A question is one trace: the web's request span -> `answer.requests publish` (its context in the
 * message headers) -> the answer worker's `answer.requests process` with `retrieval`, `prompt` and
 * `generation` under it -> `qa publish` (context in the Kafka record's headers) -> the analytics
 * consumer's `qa process`. An upload is the request span -> `ingest.jobs publish` -> the ingest
 * worker's `ingest.jobs process`. Attribute names follow the OpenTelemetry semantic conventions,
 * written out as strings.
 */
export { context } from '@opentelemetry/api';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

export { SpanKind };
export type { Span };

const tracer = trace.getTracer('docent');

/** Headers carrying the active trace context (empty when tracing is off). */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The context a message's headers carry (the root context when they carry none). */
export function contextFrom(headers: Readonly<Record<string, string>> | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
}

/**
 * Runs `fn` in a new active span (a child of `parent`, by default the active one) and ends it when
 * `fn` settles; a throw is recorded on the span and rethrown.
 */
export function inSpan<T>(name: string, opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = opts.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Starts a span without making it active (the caller ends it). */
export function startSpan(name: string, opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context }): Span {
  return tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, ...(opts.attributes ? { attributes: opts.attributes } : {}) }, opts.parent ?? context.active());
}

/** Marks a span failed with the error's message. */
export function failSpan(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** The span's context made the parent of what runs in `ctx`. */
export function withSpan(ctx: Context, span: Span): Context {
  return trace.setSpan(ctx, span);
}

/** Messaging attributes of a publish or process span on a queue or topic. */
export function messagingAttributes(system: 'rabbitmq' | 'kafka' | 'memory', destination: string, operation: 'publish' | 'process', messageId?: string): Attributes {
  return {
    'messaging.system': system,
    'messaging.destination.name': destination,
    'messaging.operation.type': operation,
    ...(messageId === undefined ? {} : { 'messaging.message.id': messageId }),
  };
}

