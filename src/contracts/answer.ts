/**
 * Wire format of the `answer.requests` queue and of the replies on a web instance's reply queue.
 *
 * Request: one JSON message, `v` = 1, message id = `id`, correlation id = `answerId`, reply-to = the
 * asking web instance's reply queue. Replies for one answer, all with the same correlation id:
 *   sources (once) -> reading (0..1) -> token (0..n, coalesced text, `seq` increasing) -> done | error (exactly one).
 * `reading` says what the model does before its first token: how many passages and prompt tokens
 * it reads and, once this worker measured its prefill speed, about how long that takes. It is
 * optional (a receiver that does not know it ignores it; nothing depends on it).
 * A redelivered request (worker died) starts again from `sources`; the receiver restarts the answer
 * when it sees a `sources` with a new `attempt`.
 *
 * Follow-ups: `history` carries the chat's recent finished turns (oldest first, at most
 * MAX_HISTORY_TURNS, each text cut to MAX_HISTORY_CHARS by the web). The worker makes the question
 * self-contained from it before retrieval and reports what it searched for as `searchedFor` on
 * `sources` and `done` (absent when it searched for the question as asked).
 *
 * Regenerate with feedback: `feedback` is a short, one-line style request the person typed when
 * regenerating ("shorter", "in French"), at most MAX_FEEDBACK_CHARS. It shapes the wording of this
 * one answer only: the worker puts it after the sources and the question, framed as a request that
 * cannot change the grounding rules; it is not the question (retrieval, history and the qa event
 * use the question). Optional: a request without it is answered as before, and a worker from before
 * it drops the unknown field (answers plainly). A non-string, empty, multi-line or over-long value
 * is a malformed request (dead-lettered with the reason).
 *
 * Users: `userId` is the asking user's internal id (an opaque account id, never a name), for
 * analytics by user; optional, absent when sign-in is off. A worker from before it drops it.
 *
 * Cancel: a broadcast on the fanout exchange `answer.cancels` (every worker hears it), `v` = 1,
 * naming the answer nobody waits for any more (Stop, tab closed, web timeout). The worker holding
 * it aborts generation, frees its sequence, replies `error` (code-free, retryable false) and acks;
 * a worker that picks the request up later skips it.
 */
import { z } from 'zod';
import { channelSchema } from './channel.ts';
import { userIdSchema } from './user-id.ts';
import { collectionIdSchema } from './collection.ts';
import { settingsSchema } from './settings.ts';
import { sourceSchema } from './source.ts';

export const ANSWER_CONTRACT_VERSION = 1;

/** Most recent turns a follow-up carries, and the longest text of each (bounds the message size). */
export const MAX_HISTORY_TURNS = 3;
export const MAX_HISTORY_CHARS = 2000;

/** Longest regeneration instruction (characters), checked by the web (400) and the worker. */
export const MAX_FEEDBACK_CHARS = 200;

/** One line of plain text: no line breaks, tabs or other control characters. */
// eslint-disable-next-line no-control-regex
export const FEEDBACK_PATTERN = /^[^\u0000-\u001f\u007f]*$/;

export const historyTurnSchema = z.object({
  question: z.string().max(MAX_HISTORY_CHARS),
  answer: z.string().max(MAX_HISTORY_CHARS),
});
export type HistoryTurn = z.infer<typeof historyTurnSchema>;

export const answerRequestSchema = z.object({
  v: z.literal(ANSWER_CONTRACT_VERSION),
  id: z.string().min(1),
  answerId: z.string().min(1),
  chatId: z.string().min(1),
  question: z.string().min(1),
  settings: settingsSchema,
  /** Earlier turns of the chat, oldest first; absent or empty for a first question. */
  history: z.array(historyTurnSchema).max(MAX_HISTORY_TURNS).optional(),
  /** The person's style request for this regeneration (see the header); absent: none. */
  feedback: z.string().trim().min(1).max(MAX_FEEDBACK_CHARS).regex(FEEDBACK_PATTERN, 'must be one line of plain text').optional(),
  /** Ids of the collections to search; absent or empty: every collection (requests from before collections). */
  collections: z.array(collectionIdSchema).max(1000).optional(),
  /** Where the question came from (contracts/channel.ts); absent: `web`. Passed on to the qa event. */
  channel: channelSchema.optional(),
  /** The asking user's internal id (accounts); absent: sign-in off or a web from before accounts. Passed on to the qa event. */
  userId: userIdSchema.optional(),
  /** Epoch ms when the web accepted the question. */
  requestedAt: z.number(),
  /** Epoch ms after which nobody waits for the answer any more. */
  deadline: z.number(),
});
export type AnswerRequest = z.infer<typeof answerRequestSchema>;

export const timingsSchema = z.object({
  queueWaitMs: z.number(),
  retrievalMs: z.number(),
  firstTokenMs: z.number(),
  generationMs: z.number(),
  totalMs: z.number(),
});
export type Timings = z.infer<typeof timingsSchema>;

const base = { v: z.literal(ANSWER_CONTRACT_VERSION), answerId: z.string() };

export const answerReplySchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('sources'), attempt: z.number().int().min(1), worker: z.string(), sources: z.array(sourceSchema), searchedFor: z.string().optional() }),
  z.object({
    ...base,
    type: z.literal('reading'),
    passages: z.number().int().min(0),
    promptTokens: z.number().int().min(0),
    /** Ms until the first token by this worker's measured prefill speed; null before it measured one. */
    estimateMs: z.number().min(0).nullable(),
  }),
  z.object({ ...base, type: z.literal('token'), seq: z.number().int().min(0), text: z.string() }),
  z.object({
    ...base,
    type: z.literal('done'),
    answer: z.string(),
    sources: z.array(sourceSchema),
    searchedFor: z.string().optional(),
    worker: z.string(),
    model: z.string(),
    tokens: z.object({ prompt: z.number().int(), completion: z.number().int() }),
    timings: timingsSchema,
  }),
  z.object({ ...base, type: z.literal('error'), message: z.string(), retryable: z.boolean() }),
]);
export type AnswerReply = z.infer<typeof answerReplySchema>;
export type AnswerDone = Extract<AnswerReply, { type: 'done' }>;

export const answerCancelSchema = z.object({
  v: z.literal(ANSWER_CONTRACT_VERSION),
  answerId: z.string().min(1),
  /** Why nobody waits: shown in the worker's log only. */
  reason: z.string(),
});
export type AnswerCancel = z.infer<typeof answerCancelSchema>;
