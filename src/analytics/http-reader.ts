/**
 * The web's analytics reader when analytics runs as its own process (`ANALYTICS_URL` set):
 * GET <baseUrl>/api/analytics/summary?range=..., /api/analytics/answers/:id (404 = not stored),
 * /api/analytics/answers?range=&limit=, /api/analytics/quality?range=&minSimilarity=&page= and the streamed /api/analytics/answers.ndjson?range= (read
 * line by line as the caller pulls pages), each response (each line) validated with its schema.
 *
 * Failures: an unreachable or failing (5xx) or slow service is an UnavailableError whose message
 * names the URL, so the page can say "analytics is unavailable" instead of a stack trace. A 4xx or
 * a response that does not match the contract is an AppError (not retryable): a version skew
 * between web and analytics, which waiting will not fix; so is an analytics service too old to
 * filter by collection (`&collection=`): its summary does not name the collection and its rows do
 * not list theirs, and the web refuses to show unfiltered numbers as if they were filtered.
 */
import { channelOfScope, userOfScope } from '../contracts/analytics-scope.ts';
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
import { analyticsQualityDataSchema, type AnalyticsQualityData, type QualityQuery } from '../contracts/analytics-quality.ts';
import { AppError, UnavailableError, errorMessage } from '../errors.ts';
import type { AnalyticsReader } from '../ports/analytics-reader.ts';

export { createLocalAnalyticsReader } from './local-reader.ts';

/** Rows per page handed to the caller of exportAnswers. */
const EXPORT_PAGE = 1000;

export interface HttpAnalyticsReaderOptions {
  /** Per-request time limit. Default 5000 ms. */
  timeoutMs?: number;
}

export function createHttpAnalyticsReader(baseUrl: string, opts: HttpAnalyticsReaderOptions = {}): AnalyticsReader {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const base = baseUrl.replace(/\/+$/, '');

  /**
   * GET base + path; the time limit covers the response head (a streamed body may take longer).
   * Fails as the header says; a 404 is undefined when `missingOk`.
   */
  async function open(pathAndQuery: string, missingOk: boolean, signal?: AbortSignal): Promise<Response | undefined> {
    const url = `${base}${pathAndQuery}`;
    const head = new AbortController();
    const timer = setTimeout(() => head.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { signal: signal ? AbortSignal.any([signal, head.signal]) : head.signal, headers: { accept: 'application/json' } });
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : causeOf(err);
      throw new UnavailableError(`analytics service at ${base} is unavailable: ${why}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    if (res.ok) return res;
    const body = await res.text().catch(() => '');
    if (res.status >= 500) {
      throw new UnavailableError(`analytics service at ${base} failed: HTTP ${res.status} ${errorField(body)}`.trim());
    }
    if (res.status === 404 && missingOk) return undefined;
    throw new AppError(`analytics service at ${base} refused the request: HTTP ${res.status} ${errorField(body)}`.trim(), {
      code: 'analytics_rejected',
    });
  }

  /** GET base + path, validated with schema (`what` it holds, for messages); a 404 is undefined when `missingOk`. */
  async function get<T>(pathAndQuery: string, schema: z.ZodType<T>, what: string, missingOk = false): Promise<T | undefined> {
    // A small JSON body: the time limit covers it too.
    const res = await open(pathAndQuery, missingOk, AbortSignal.timeout(timeoutMs));
    if (!res) return undefined;
    const body = await res.text().catch(() => '');
    return decode(body, schema, what);
  }

  /** One JSON text checked against `schema`; anything else is a contract break (not retryable). */
  function decode<T>(text: string, schema: z.ZodType<T>, what: string): T {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AppError(`analytics service at ${base} sent invalid JSON: ${errorMessage(err)}`, { code: 'analytics_contract' });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new AppError(`analytics service at ${base} sent an unexpected ${what}: ${issues.join('; ')}`, { code: 'analytics_contract' });
    }
    return parsed.data;
  }

  return {
    async summary(range: AnalyticsRange, collection?: string): Promise<AnalyticsSummary> {
      const s = (await get(`/api/analytics/summary?range=${encodeURIComponent(range)}${inCollection(collection)}`, analyticsSummarySchema, 'summary'))!;
      const user = userOfScope(collection);
      const channel = channelOfScope(collection);
      const held = user !== undefined ? s.user === user : channel !== undefined ? s.channel === channel : collection === undefined || s.collection === collection;
      if (!held) throw cannotFilter();
      return s;
    },
    answer(answerId: string): Promise<AnalyticsAnswer | undefined> {
      return get(`/api/analytics/answers/${encodeURIComponent(answerId)}`, analyticsAnswerSchema, 'answer', true);
    },
    async *exportAnswers(range: AnalyticsRange, collection?: string): AsyncGenerator<AnalyticsAnswerRow[], void, undefined> {
      // Aborted when the caller stops early (a cancelled download), so the service stops too.
      const stop = new AbortController();
      try {
        const res = await open(`/api/analytics/answers.ndjson?range=${encodeURIComponent(range)}${inCollection(collection)}`, false, stop.signal);
        if (!res?.body) return;
        const decoder = new TextDecoder();
        let rest = '';
        let page: AnalyticsAnswerRow[] = [];
        const take = (line: string): void => {
          if (line.trim() === '') return;
          page.push(filtered(decode(line, analyticsAnswerRowSchema, 'answer row'), collection));
        };
        const reader = res.body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          const chunk = r.value;
          const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) take(line);
          if (page.length >= EXPORT_PAGE) {
            yield page;
            page = [];
          }
        }
        take(rest + decoder.decode());
        if (page.length > 0) yield page;
      } finally {
        stop.abort();
      }
    },
    async quality(range: AnalyticsRange, query: QualityQuery, collection?: string): Promise<AnalyticsQualityData> {
      const params = `${query.minSimilarity === undefined ? '' : `&minSimilarity=${query.minSimilarity}`}${query.page === undefined ? '' : `&page=${query.page}`}`;
      const q = await get(`/api/analytics/quality?range=${encodeURIComponent(range)}${params}${inCollection(collection)}`, analyticsQualityDataSchema, 'quality report', true);
      // A 404: a service from before the quality view.
      if (!q) throw new AppError(`analytics service at ${base} has no quality report; update it to this version of Docent`, { code: 'analytics_contract' });
      if ((q.scope ?? undefined) !== collection) throw cannotFilter();
      return q;
    },
    async answers(range: AnalyticsRange, limit: number, collection?: string): Promise<AnalyticsAnswerRow[]> {
      const rows = await get(
        `/api/analytics/answers?range=${encodeURIComponent(range)}&limit=${limit}${inCollection(collection)}`,
        z.object({ answers: z.array(analyticsAnswerRowSchema) }),
        'answer list',
      );
      return rows!.answers.map((r) => filtered(r, collection));
    },
  };

  function cannotFilter(): AppError {
    return new AppError(`analytics service at ${base} cannot filter by collection, user or channel; update it to this version of Docent`, { code: 'analytics_contract' });
  }

  /** A row of a filtered read must list the collection (or user): an older service ignores the filter. */
  function filtered(row: AnalyticsAnswerRow, collection: string | undefined): AnalyticsAnswerRow {
    const user = userOfScope(collection);
    const channel = channelOfScope(collection);
    const held =
      user !== undefined ? row.userId === user : channel !== undefined ? (row.channel ?? 'web') === channel : collection === undefined || row.collections?.includes(collection) === true;
    if (!held) throw cannotFilter();
    return row;
  }
}

/** The query parameter of a scope (contracts/analytics-scope.ts): `&collection=`, `&user=` or `&channel=`. */
const inCollection = (scope: string | undefined): string => {
  if (scope === undefined) return '';
  const user = userOfScope(scope);
  const channel = channelOfScope(scope);
  if (user !== undefined) return `&user=${encodeURIComponent(user)}`;
  if (channel !== undefined) return `&channel=${channel}`;
  return `&collection=${encodeURIComponent(scope)}`;
};

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
