/**
 * What the Quality part of analytics shows a document owner: the knowledge gaps (questions the
 * documents could not answer, grouped), citations per document, and the down-voted answers with
 * their sources. `AnalyticsQualityData` is what the analytics store computes (served by the
 * analytics process at GET /api/analytics/quality, or read in-process); `AnalyticsQuality` is what
 * the web adds from its document list (most and never cited) and serves at the same path.
 */
import { z } from 'zod';
import { ANALYTICS_RANGES } from './analytics-summary.ts';

/** Best retrieval similarity (cosine) below which a question counts as a knowledge gap. */
export const DEFAULT_GAP_SIMILARITY = 0.6;
/** Down-voted answers per page. */
export const DOWNVOTED_PAGE_SIZE = 20;

/** What a quality read may set. */
export interface QualityQuery {
  /** Best similarity below which a question is a gap; default DEFAULT_GAP_SIMILARITY. */
  minSimilarity?: number;
  /** Page of the down-voted answers, from 1. */
  page?: number;
}

const gapGroupSchema = z.object({
  /** Questions in the group (the same question asked twice counts twice). */
  count: z.number().int(),
  /** Of them, answered with a refusal ("not found in your documents"). */
  refused: z.number().int(),
  /** The most recently asked question of the group. */
  example: z.string(),
  /** Up to 3 other wordings in the group, newest first. */
  variants: z.array(z.string()),
  lastAt: z.number(),
  /** The best similarity any of its questions reached; null: none recorded. */
  bestSimilarity: z.number().nullable(),
});
export type GapGroup = z.infer<typeof gapGroupSchema>;

const citedDocumentSchema = z.object({
  documentId: z.string(),
  documentName: z.string(),
  /** Answers of the range that cite it. */
  citations: z.number().int(),
  lastAt: z.number(),
});
export type CitedDocument = z.infer<typeof citedDocumentSchema>;

const downvotedSchema = z.object({
  answerId: z.string(),
  at: z.number(),
  votedAt: z.number(),
  question: z.string(),
  answer: z.string(),
  sources: z.array(z.object({ documentId: z.string(), documentName: z.string(), page: z.number().int().nullable(), cited: z.boolean().optional() })),
});
export type DownvotedAnswer = z.infer<typeof downvotedSchema>;

export const analyticsQualityDataSchema = z.object({
  range: z.enum(ANALYTICS_RANGES),
  /** The scope read (a collection id, `user:<id>` or `channel:<channel>`), null: every answer. */
  scope: z.string().nullable(),
  minSimilarity: z.number(),
  gaps: z.object({
    /** Refused or low-similarity questions in the range. */
    questions: z.number().int(),
    /** How many of them (the newest) were grouped. */
    grouped: z.number().int(),
    groups: z.array(gapGroupSchema),
  }),
  /** Every document cited in the range, most cited first. */
  cited: z.array(citedDocumentSchema),
  downvoted: z.object({ total: z.number().int(), page: z.number().int(), pageSize: z.number().int(), answers: z.array(downvotedSchema) }),
});
export type AnalyticsQualityData = z.infer<typeof analyticsQualityDataSchema>;

/** The web's view: the store's numbers, the most cited few, and the library's documents never cited. */
export interface AnalyticsQuality extends Omit<AnalyticsQualityData, 'cited'> {
  mostCited: CitedDocument[];
  neverCited: Array<{ documentId: string; documentName: string }>;
}

/** Highest page of the down-voted list one may ask for. */
export const MAX_DOWNVOTED_PAGE = 10_000;

/**
 * `?minSimilarity=` (a number from 0 to 1) and `?page=` (a whole number from 1) of a quality read,
 * as the web and the analytics process both take them: the query, or a message naming the problem.
 */
export function parseQualityQuery(q: Record<string, unknown>): { query: QualityQuery } | { error: string; field: string } {
  const query: QualityQuery = {};
  const sim = q.minSimilarity;
  if (sim !== undefined && sim !== '') {
    const v = typeof sim === 'string' && /^\s*[0-9.]+\s*$/.test(sim) ? Number(sim) : NaN;
    if (!(v >= 0 && v <= 1)) return { error: 'minSimilarity must be a number from 0 to 1 (the cosine similarity below which a question counts as a gap)', field: 'minSimilarity' };
    query.minSimilarity = v;
  }
  const page = q.page;
  if (page !== undefined && page !== '') {
    const v = typeof page === 'string' && /^\s*\d+\s*$/.test(page) ? Number(page) : NaN;
    if (!(Number.isInteger(v) && v >= 1 && v <= MAX_DOWNVOTED_PAGE)) return { error: `page must be a whole number from 1 to ${MAX_DOWNVOTED_PAGE}`, field: 'page' };
    query.page = v;
  }
  return { query };
}
