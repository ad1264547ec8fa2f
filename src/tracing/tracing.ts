/**
 * The process's OpenTelemetry set-up: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans are batched and
 * exported over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`, the active span follows async work
 * (AsyncLocalStorage), and W3C trace context (`traceparent`, `tracestate`) is what the propagator
 * reads and writes in HTTP and message headers. Without an endpoint nothing is registered: the
 * OpenTelemetry API then hands out non-recording spans and an empty propagator, so the spans the
 * code starts cost a few allocations and no log line carries a trace id.
 *
 * Called once from the entrypoint (src/bin/run-role.ts); each role is its own service,
 * `docent-<role>` (`docent-all-in-one` for `npm start`).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://otel-collector:4318; unset = tracing off. */
  endpoint: string | undefined;
  /** `service.name` of this process's spans. */
  serviceName: string;
  /** Instead of OTLP (tests): spans go here one by one, as they end. */
  exporter?: SpanExporter;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered, then stops. Idempotent. */
  shutdown(): Promise<void>;
}

export function startTracing(opts: TracingOptions): Tracing {
  if (opts.endpoint === undefined && opts.exporter === undefined) return { enabled: false, shutdown: () => Promise.resolve() };
  const processor = opts.exporter
    ? new SimpleSpanProcessor(opts.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${(opts.endpoint ?? '').replace(/\/+$/, '')}/v1/traces` }), { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    spanProcessors: [processor],
  });
  // The global tracer provider, AsyncLocalStorage context manager and W3C propagators.
  provider.register();
  let done: Promise<void> | undefined;
  return { enabled: true, shutdown: () => (done ??= provider.shutdown()) };
}
