/**
 * What `GET /api/analytics/summary` returns and the analytics page shows. Served by the analytics
 * process over HTTP, or read in-process in the all-in-one mode.
 */
import { z } from 'zod';

export const ANALYTICS_RANGES = ['hour', 'day', 'week', 'all'] as const;
export type AnalyticsRange = (typeof ANALYTICS_RANGES)[number];

const percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable() });

export const analyticsSummarySchema = z.object({
  range: z.enum(ANALYTICS_RANGES),
  answers: z.number().int(),
  votes: z.object({ up: z.number().int(), down: z.number().int() }),
  /** up / (up + down), null without votes. */
  satisfaction: z.number().nullable(),
  latencyMs: z.object({
    total: percentiles,
    queueWait: percentiles,
    retrieval: percentiles,
    firstToken: percentiles,
    generation: percentiles,
  }),
  /** Mean AFINN comparative score (sum of word scores / word count), null without answers. */
  sentiment: z.object({ question: z.number().nullable(), answer: z.number().nullable() }),
  tokensPerSecond: z.number().nullable(),
  recent: z.array(
    z.object({
      answerId: z.string(),
      question: z.string(),
      answer: z.string(),
      vote: z.enum(['up', 'down']).nullable(),
      totalMs: z.number(),
      questionSentiment: z.number(),
      answerSentiment: z.number(),
      worker: z.string(),
      at: z.number(),
    }),
  ),
});
export type AnalyticsSummary = z.infer<typeof analyticsSummarySchema>;
