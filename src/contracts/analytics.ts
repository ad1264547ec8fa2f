/**
 * Kafka event formats. Topic `qa` (key = chat id), `votes` (key = answer id), `qa.scored`
 * (key = answer id). Every event has a version `v` and a unique `eventId`; consumers are
 * idempotent by eventId.
 *
 * Added later, optional so events written before them are still consumed (same `v`): on `qa`,
 * `collections` (the ids of the collections the question was asked over; absent or empty: all of
 * them) and each source's `collectionId` (the collection the cited passage was found in); `channel`
 * (where the question came from; absent: `web`); `userId` on `qa` (the asking user) and on `votes`
 * (the voter): an internal account id (./user-id.ts), absent when sign-in is off.
 * For the quality view (analytics schema 6): `refused` (the answer says the documents do not hold
 * it, ./refusal.ts), `bestSimilarity` (the highest cosine similarity of a retrieved passage to
 * the question; null: nothing retrieved or no similarity computed, e.g. lexical search) and each
 * source's `cited` (the answer cites it as [n]). Absent on older events: the store reads the
 * refusal from the answer text and counts their sources as cited (older events listed the sources
 * shown, with no way to tell which were cited).
 */
import { z } from 'zod';
import { settingsSchema } from './settings.ts';
import { timingsSchema } from './answer.ts';
import { channelSchema } from './channel.ts';
import { userIdSchema } from './user-id.ts';
import { collectionIdSchema } from './collection.ts';

export const EVENT_VERSION = 1;

export const qaEventSchema = z.object({
  v: z.literal(EVENT_VERSION),
  eventId: z.string().min(1),
  answerId: z.string().min(1),
  chatId: z.string().min(1),
  question: z.string(),
  answer: z.string(),
  sources: z.array(
    z.object({
      documentId: z.string(),
      documentName: z.string(),
      page: z.number().int().nullable(),
      collectionId: collectionIdSchema.optional(),
      /** The passage read as instructions to the assistant (answer/injection-guard.ts); absent: not flagged. */
      flagged: z.boolean().optional(),
      /** The answer cites this source as [n]; absent: an older event (not recorded). */
      cited: z.boolean().optional(),
    }),
  ),
  /** The answer is a refusal (contracts/refusal.ts); absent: an older event. */
  refused: z.boolean().optional(),
  /** Highest cosine similarity of a retrieved passage to the question; null: none; absent: an older event. */
  bestSimilarity: z.number().finite().nullable().optional(),
  /** The collections asked over; absent (events from before collections) or empty: every collection. */
  collections: z.array(collectionIdSchema).max(1000).optional(),
  /** Where the question came from (contracts/channel.ts); absent (older events): `web`. */
  channel: channelSchema.optional(),
  /** The asking user's internal id (./user-id.ts); absent: sign-in off, or an older event. */
  userId: userIdSchema.optional(),
  settings: settingsSchema,
  model: z.string(),
  worker: z.string(),
  timings: timingsSchema,
  tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
  at: z.number(),
});
export type QaEvent = z.infer<typeof qaEventSchema>;

export const voteEventSchema = z.object({
  v: z.literal(EVENT_VERSION),
  eventId: z.string().min(1),
  answerId: z.string().min(1),
  vote: z.enum(['up', 'down']),
  /** The voter's internal id (./user-id.ts); absent: sign-in off, or an older event. */
  userId: userIdSchema.optional(),
  at: z.number(),
});
export type VoteEvent = z.infer<typeof voteEventSchema>;

export const qaScoredSchema = z.object({
  v: z.literal(EVENT_VERSION),
  eventId: z.string().min(1),
  answerId: z.string(),
  questionSentiment: z.object({ score: z.number(), comparative: z.number() }),
  answerSentiment: z.object({ score: z.number(), comparative: z.number() }),
  totalMs: z.number(),
  tokensPerSecond: z.number(),
  at: z.number(),
});
export type QaScored = z.infer<typeof qaScoredSchema>;
