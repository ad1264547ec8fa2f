/**
 * POST /api/ask: validates the question and settings, asks the answer service, then either
 * streams Server-Sent Events (Accept: text/event-stream):
 *   event: restart  data: {attempt, worker}   (only when the worker answering died and another
 *                                             starts again: drop the text shown so far)
 *   event: searched data: {searchedFor}     (a follow-up made self-contained: what retrieval used)
 *   event: sources  data: Source[]
 *   event: reading  data: {passages, promptTokens, estimateMs}  (0..1, before the first token: what
 *                                             the model reads; estimateMs null until the worker
 *                                             measured its speed)
 *   event: token    data: {text}          (0..n)
 *   event: done     data: {answerId, chatId, answer, sources, timings, worker, searchedFor?}
 *   event: error    data: {error}
 * or collects the answer into one JSON reply. A client that disconnects aborts the answer (the
 * AbortSignal goes to the service and iteration stops, which cancels the reply stream).
 *
 * Collections: `collections` (ids or names; none: all) restricts the passages the answer is grounded
 * in; an unknown one is a 404 naming it. Sources name their collection. The choice is kept with the
 * chat (its last question's); regenerating asks over the chat's collections that still exist.
 *
 * Chats: with `chatId` the question continues that chat (404 when there is none); without, a new
 * chat starts. `regenerate: answerId` (or POST /api/answers/:answerId/regenerate, same replies)
 * asks that answer's question again and replaces the answer in its chat; settings are the turn's
 * own unless given. Both answer with the headers Docent-Chat-Id and Docent-Answer-Id. A
 * regeneration may carry `feedback` (at most MAX_FEEDBACK_CHARS, else 400): a style request for
 * that answer only, kept with it in the chat (`feedback` of the turn), never as the question.
 *
 * One client (remote address) has at most MAX_PENDING_QUESTIONS_PER_CLIENT questions in flight;
 * one more is answered 429 + Retry-After, so no client can take the whole answer queue. A place is
 * given back when the answer ends (done, error) or the client goes away (./question-gate.ts, shared
 * with the OpenAI-compatible API). Questions carry the analytics channel `web` when a browser sent
 * them, else `api`.
 *
 * Private chats: with sign-in on, `chatId` and `regenerate` name only the signed-in user's chats and
 * answers (another's: the same 404 as none, ../auth/chat-owner.ts); a new chat is theirs; the
 * request carries their internal id to analytics.
 */
import { Router, type Request, type Response } from 'express';
import type { AnswerDone } from '../../contracts/answer.ts';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Config } from '../../config.ts';
import { HttpError } from '../http-error.ts';
import { awaitDone, createQuestionGate, INCOMPLETE, type QuestionGate, type StartAnswer } from '../question-gate.ts';
import type { AskHandle } from '../../ports/answer-service.ts';
import type { WebServices } from '../services.ts';
import { sendSse, startSse } from '../sse.ts';
import { parseAskBody, parseRegenerateBody } from '../validate.ts';
import { answerToRegenerate, askInChat, regenerate } from '../../asking/chat-answers.ts';
import { isBrowser } from '../guards/cross-site-guard.ts';
import { chatOwners, type ChatOwners } from '../auth/chat-owner.ts';
import type { ChatScope } from '../../chats/chat-scope.ts';

/** The analytics channel of a question: Docent's pages (a browser) or a program. */
const channelOf = (req: Request): 'web' | 'api' => (isBrowser(req) ? 'web' : 'api');

function doneView(handle: AskHandle, d: AnswerDone) {
  return {
    answerId: handle.answerId,
    chatId: handle.chatId,
    answer: d.answer,
    sources: d.sources,
    timings: d.timings,
    tokens: d.tokens,
    worker: d.worker,
    ...(d.searchedFor === undefined ? {} : { searchedFor: d.searchedFor }),
  };
}

async function stream(handle: AskHandle, res: Response, signal: AbortSignal, log: Logger): Promise<void> {
  startSse(res);
  let finished = false;
  let sourcesSeen = false;
  // Headers are already sent, so the error middleware can no longer answer: a failure while
  // streaming is reported inside the stream as `event: error`.
  try {
    for await (const reply of handle.replies) {
      if (signal.aborted) break;
      if (reply.type === 'sources') {
        // A second `sources` means the request was redelivered to another worker (see the contract).
        if (sourcesSeen) sendSse(res, 'restart', { attempt: reply.attempt, worker: reply.worker });
        sourcesSeen = true;
        if (reply.searchedFor !== undefined) sendSse(res, 'searched', { searchedFor: reply.searchedFor });
        sendSse(res, 'sources', reply.sources);
      }
      else if (reply.type === 'reading') sendSse(res, 'reading', { passages: reply.passages, promptTokens: reply.promptTokens, estimateMs: reply.estimateMs });
      else if (reply.type === 'token') sendSse(res, 'token', { text: reply.text });
      else if (reply.type === 'done') {
        sendSse(res, 'done', doneView(handle, reply));
        finished = true;
        break;
      } else {
        sendSse(res, 'error', { error: reply.message });
        finished = true;
        break;
      }
    }
    if (!finished && !signal.aborted) sendSse(res, 'error', { error: INCOMPLETE });
  } catch (err) {
    log.error({ err, answerId: handle.answerId }, 'answer stream failed');
    if (!signal.aborted) sendSse(res, 'error', { error: err instanceof AppError ? err.message : INCOMPLETE });
  } finally {
    res.end();
  }
}

async function collect(handle: AskHandle, res: Response, signal: AbortSignal): Promise<void> {
  const done = await awaitDone(handle, signal);
  if (done) res.json(doneView(handle, done));
}

/** `gate` is shared with the other asking routes (one per-client count); default: its own. */
export function askApi(services: WebServices, config: Config, log: Logger, gate: QuestionGate = createQuestionGate(config), owners: ChatOwners = chatOwners()): Router {
  const router = Router();
  const reply = (req: Request, res: Response, start: StartAnswer): Promise<void> =>
    gate.run(req, res, start, async (handle, signal) => {
      // The chat and answer are known before the first reply: a page that stops the answer early
      // still continues the same chat (and can regenerate that turn).
      res.setHeader('Docent-Chat-Id', handle.chatId);
      res.setHeader('Docent-Answer-Id', handle.answerId);
      const wantsStream = (req.get('accept') ?? '').includes('text/event-stream');
      log.debug({ answerId: handle.answerId, stream: wantsStream }, 'question accepted');
      if (wantsStream) await stream(handle, res, signal, log);
      else await collect(handle, res, signal);
    });
  /**
   * A regenerated answer asks over its chat's chosen collections that still exist. When every one
   * of them was deleted it is a 404 saying so (asking over all instead would surprise). An unknown
   * answer (or another's) is a 404 here, before the gate counts the question against the rate
   * limits: a regeneration that cannot happen spends nothing.
   */
  const chatCollections = (answerId: string, scope: ChatScope | undefined): string[] | undefined => {
    const found = answerToRegenerate(services.chats, answerId, scope);
    const chosen = services.chats.get(found.chatId, scope)?.collections ?? [];
    const live = new Set(services.collections.list().map((c) => c.id));
    const ids = chosen.filter((c) => live.has(c.id)).map((c) => c.id);
    if (chosen.length > 0 && ids.length === 0) {
      throw new HttpError(404, `The collections this chat asked over were deleted (${chosen.map((c) => c.name).join(', ')}); choose collections and ask again.`);
    }
    return ids;
  };

  router.post('/api/ask', async (req, res) => {
    const input = parseAskBody(req.body, config.web.maxQuestionChars);
    // Unknown collections are a 404 naming them, before anything is asked.
    const collections = services.collections.resolve(input.collectionNames).map(({ id, name }) => ({ id, name }));
    const deps = { chats: services.chats, answers: services.answers };
    const user = { scope: owners.scope(), userId: owners.userId() };
    if (input.regenerate !== undefined) {
      const settings = (req.body as { settings?: unknown }).settings == null ? undefined : input.settings;
      const answerId = input.regenerate;
      const chosen = chatCollections(answerId, user.scope);
      await reply(req, res, (signal) => regenerate(deps, { answerId, settings, collections: chosen, feedback: input.feedback, channel: channelOf(req), ...user }, signal));
    } else {
      await reply(req, res, (signal) => askInChat(deps, { ...input, collections, channel: channelOf(req), ...user }, signal));
    }
  });

  router.post('/api/answers/:answerId/regenerate', async (req, res) => {
    const { settings, feedback } = parseRegenerateBody(req.body);
    const answerId = req.params.answerId;
    const user = { scope: owners.scope(), userId: owners.userId() };
    const collections = chatCollections(answerId, user.scope);
    await reply(req, res, (signal) => regenerate({ chats: services.chats, answers: services.answers }, { answerId, settings, collections, feedback, channel: channelOf(req), ...user }, signal));
  });
  return router;
}
