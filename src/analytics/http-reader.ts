/**
 * The web's analytics reader when analytics runs as its own process (`ANALYTICS_URL` set):
 * GET <baseUrl>/api/analytics/summary?range=..., /api/analytics/answers/:id (404 = not stored) and
 * /api/analytics/answers?range=&limit=, each response validated with its schema.
 *
 * Failures: an unreachable or failing (5xx) or slow service is an UnavailableError whose message
 * names the URL, so the page can say "analytics is unavailable" instead of a stack trace. A 4xx or
 * a response that does not match the contract is an AppError (not retryable): a version skew
 * between web and analytics, which waiting will not fix.
 */
import { z } from 'zod';
import {
  analyticsAnswerRowSchema,
  analyticsAnswerSchema,
  analyticsSummarySchema,
  type AnalyticsAnswer,
  type AnalyticsAnswerRow,
  type AnalyticsRange,
  type AnalyticsSummary,
} from '../contracts/analytics-summary.ts';
import { AppError, UnavailableError, errorMessage } from '../errors.ts';
import type { AnalyticsReader } from '../web/services.ts';

export { createLocalAnalyticsReader } from './local-reader.ts';

export interface HttpAnalyticsReaderOptions {
  /** Per-request time limit. Default 5000 ms. */
  timeoutMs?: number;
}

export function createHttpAnalyticsReader(baseUrl: string, opts: HttpAnalyticsReaderOptions = {}): AnalyticsReader {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const base = baseUrl.replace(/\/+$/, '');

  /** GET base + path, validated with schema; a 404 is undefined when `missingOk`. */
  async function get<T>(pathAndQuery: string, schema: z.ZodType<T>, missingOk = false): Promise<T | undefined> {
    const url = `${base}${pathAndQuery}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : causeOf(err);
      throw new UnavailableError(`analytics service at ${base} is unavailable: ${why}`, { cause: err });
    }
    const body = await res.text().catch(() => '');
    if (res.status >= 500) {
      throw new UnavailableError(`analytics service at ${base} failed: HTTP ${res.status} ${errorField(body)}`.trim());
    }
    if (res.status === 404 && missingOk) return undefined;
    if (!res.ok) {
      throw new AppError(`analytics service at ${base} refused the request: HTTP ${res.status} ${errorField(body)}`.trim(), {
        code: 'analytics_rejected',
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      throw new AppError(`analytics service at ${base} sent invalid JSON: ${errorMessage(err)}`, { code: 'analytics_contract' });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new AppError(`analytics service at ${base} sent an unexpected summary: ${issues.join('; ')}`, {
        code: 'analytics_contract',
      });
    }
    return parsed.data;
  }

  return {
    async summary(range: AnalyticsRange): Promise<AnalyticsSummary> {
      return (await get(`/api/analytics/summary?range=${encodeURIComponent(range)}`, analyticsSummarySchema))!;
    },
    answer(answerId: string): Promise<AnalyticsAnswer | undefined> {
      return get(`/api/analytics/answers/${encodeURIComponent(answerId)}`, analyticsAnswerSchema, true);
    },
    async answers(range: AnalyticsRange, limit: number): Promise<AnalyticsAnswerRow[]> {
      const rows = await get(`/api/analytics/answers?range=${encodeURIComponent(range)}&limit=${limit}`, z.object({ answers: z.array(analyticsAnswerRowSchema) }));
      return rows!.answers;
    },
  };
}

/** fetch wraps the real reason (ECONNREFUSED...) in `cause`. */
function causeOf(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return errorMessage(cause ?? err);
}

function errorField(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === 'object' && 'error' in json && typeof json.error === 'string') return `(${json.error})`;
  } catch {
    // not JSON: say nothing more than the status
  }
  return '';
}
