/**
 * The AMQP wire format of Docent messages: the body is UTF-8 JSON (content type application/json);
 * the `x-attempt` header counts deliveries made by the requeue policy (absent = 1); a dead letter
 * carries `x-death-reason`. Broker-made dead letters (x-death) are read too. Other string headers
 * are the sender's own (W3C trace context `traceparent` / `tracestate`) and reach the consumer.
 */
import type { ConsumeMessage, GetMessage } from 'amqplib';

export const ATTEMPT_HEADER = 'x-attempt';
export const REASON_HEADER = 'x-death-reason';

export type Decoded = { ok: true; body: unknown } | { ok: false; reason: string };

export function encodeBody(body: unknown): Buffer {
  const json = JSON.stringify(body);
  if (json === undefined) throw new TypeError('message body is not JSON-serialisable');
  return Buffer.from(json, 'utf8');
}

export function decodeBody(content: Buffer): Decoded {
  try {
    return { ok: true, body: JSON.parse(content.toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, reason: `body is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Attempt number of this delivery: the x-attempt header, plus one when the broker redelivers after a crash. */
export function attemptOf(msg: ConsumeMessage): number {
  const raw: unknown = msg.properties.headers?.[ATTEMPT_HEADER];
  const n = typeof raw === 'number' ? raw : Number(raw);
  const base = Number.isInteger(n) && n >= 1 ? n : 1;
  return msg.fields.redelivered ? base + 1 : base;
}

/** A dead letter as operators see it: the body (JSON if it parses, else the raw text) and why. */
export function readDeadLetter(msg: GetMessage): { body: unknown; reason: string } {
  const decoded = decodeBody(msg.content);
  const headers = msg.properties.headers ?? {};
  const ours: unknown = headers[REASON_HEADER];
  const death: unknown = headers['x-death'];
  const brokerReason = Array.isArray(death) ? (death[0] as { reason?: unknown } | undefined)?.reason : undefined;
  const reason = typeof ours === 'string' ? ours : typeof brokerReason === 'string' ? `broker: ${brokerReason}` : 'unknown';
  return { body: decoded.ok ? decoded.body : msg.content.toString('utf8'), reason };
}

/** The sender's string headers of a message; the bus's own `x-` headers are left out. */
export function stringHeaders(msg: ConsumeMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(msg.properties.headers ?? {})) {
    if (typeof value === 'string' && !name.startsWith('x-')) out[name] = value;
  }
  return out;
}
