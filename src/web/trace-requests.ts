/**
 * One server span per HTTP request (tracing on, src/tracing/): it continues a `traceparent` the
 * client sent, is the active span of everything the request does (the question published to the
 * answer workers, the upload's ingest job), and ends when the response is finished or cut. The
 * request and response emitters are bound to its context so body parsers and streamed responses
 * stay inside it. Named `METHOD /route/pattern` once routing knows the route, so names stay few.
 */
import type { RequestHandler } from 'express';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('docent');

export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
    // Tracing off: a non-recording span; nothing to bind or end.
    if (!span.isRecording()) return next();
    const ctx = trace.setSpan(parent, span);
    context.bind(ctx, req);
    context.bind(ctx, res);
    res.once('close', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') span.updateName(`${req.method} ${req.baseUrl}${route}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(ctx, next);
  };
}
