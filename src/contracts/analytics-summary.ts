/**
 * What `GET /api/analytics/summary` returns and the analytics page shows. Served by the analytics
 * process over HTTP, or read in-process in the all-in-one mode.
 */
import { z } from 'zod';

export const ANALYTICS_RANGES = ['hour', 'day', 'week', 'all'] as const;
export type AnalyticsRange = (typeof ANALYTICS_RANGES)[number];

const percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable() });

const stageLatency = z.object({
  total: percentiles,
  queueWait: percentiles,
  retrieval: percentiles,
  firstToken: percentiles,
  generation: percentiles,
});

/** One point of the time series: the answers given in [t, t + stepMs). */
const seriesPoint = z.object({
  t: z.number(),
  answers: z.number().int(),
  up: z.number().int(),
  down: z.number().int(),
  satisfaction: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  latencyMs: stageLatency,
});

/** One AFINN comparative band centred on `value` (ends hold everything at or beyond +-1). */
const sentimentBand = z.object({
  value: z.number(),
  questions: z.number().int(),
  answers: z.number().int(),
  /** Votes on the answers of this band (answer sentiment). */
  up: z.number().int(),
  down: z.number().int(),
});

export const analyticsSummarySchema = z.object({
  range: z.enum(ANALYTICS_RANGES),
  /**
   * The collection id the numbers are restricted to (answers asked over it or citing it), null for
   * all answers. Absent from analytics services that cannot filter (the web then refuses a filter).
   */
  collection: z.string().nullable().optional(),
  /** The internal user id the numbers are restricted to (the answers that user asked), null for all. */
  user: z.string().nullable().optional(),
  /** The channel the numbers are restricted to (contracts/channel.ts; before channels: web), null for all. */
  channel: z.string().nullable().optional(),
  answers: z.number().int(),
  /**
   * How many of those answers had at least one source the prompt-injection guard flagged (a passage
   * that reads as instructions to the assistant); answers stored before it was counted have none.
   * Absent from older analytics services.
   */
  flaggedAnswers: z.number().int().optional(),
  votes: z.object({ up: z.number().int(), down: z.number().int() }),
  /** up / (up + down), null without votes. */
  satisfaction: z.number().nullable(),
  /** Percentiles from a log-scale histogram: within about 4.5% of the exact nearest-rank value. */
  latencyMs: stageLatency,
  /** Mean AFINN comparative score (sum of word scores / word count), null without answers. */
  sentiment: z.object({ question: z.number().nullable(), answer: z.number().nullable() }),
  tokensPerSecond: z.number().nullable(),
  /** Whole buckets of stepMs (5 min for hour, 1 h for day, 6 h for week, 1 day for all). */
  series: z.object({ stepMs: z.number().int(), points: z.array(seriesPoint) }),
  /** 21 bands from -1 to 1, in order. */
  sentimentBands: z.array(sentimentBand),
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
      /** Where the question came from (contracts/channel.ts); null or absent: recorded before channels (web). */
      channel: z.string().nullable().optional(),
    }),
  ),
});
export type AnalyticsSummary = z.infer<typeof analyticsSummarySchema>;

const timings = z.object({
  queueWaitMs: z.number(),
  retrievalMs: z.number(),
  firstTokenMs: z.number(),
  generationMs: z.number(),
  totalMs: z.number(),
});

/** One answer as the CSV export lists it (`GET /api/analytics/answers?range=&limit=` on the analytics process). */
export const analyticsAnswerRowSchema = z.object({
  answerId: z.string(),
  at: z.number(),
  question: z.string(),
  answer: z.string(),
  vote: z.enum(['up', 'down']).nullable(),
  questionSentiment: z.number(),
  answerSentiment: z.number(),
  timings,
  tokensPerSecond: z.number().nullable(),
  worker: z.string(),
  model: z.string(),
  /**
   * Ids of the collections it was asked over or cited (empty for answers recorded before
   * collections; absent from older analytics services).
   */
  collections: z.array(z.string()).optional(),
  /** The asking user's internal id; null when sign-in was off (absent from older analytics services). */
  userId: z.string().nullable().optional(),
  /** Where the question came from (contracts/channel.ts); null or absent: recorded before channels (web). */
  channel: z.string().nullable().optional(),
  /**
   * How many of its sources the prompt-injection guard flagged; 0 for answers stored before it was
   * counted (absent from older analytics services).
   */
  flaggedSources: z.number().int().optional(),
});
export type AnalyticsAnswerRow = z.infer<typeof analyticsAnswerRowSchema>;

/** Everything recorded about one answer (`GET /api/analytics/answers/:id`). */
export const analyticsAnswerSchema = analyticsAnswerRowSchema.extend({
  chatId: z.string(),
  sources: z.array(z.object({ documentId: z.string(), documentName: z.string(), page: z.number().int().nullable(), collectionId: z.string().optional() })),
  /** The sampling settings the answer was generated with (null for answers stored before they were kept). */
  settings: z.record(z.string(), z.unknown()).nullable(),
  tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  scores: z.object({
    question: z.object({ score: z.number(), comparative: z.number() }),
    answer: z.object({ score: z.number(), comparative: z.number() }),
  }),
  votedAt: z.number().nullable(),
});
export type AnalyticsAnswer = z.infer<typeof analyticsAnswerSchema>;
