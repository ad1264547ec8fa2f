/**
 * The one way a web route asks a question (POST /api/ask and the OpenAI-compatible
 * /v1/chat/completions share it): takes the client's place among its questions in flight
 * (MAX_PENDING_QUESTIONS_PER_CLIENT, one count across both APIs, else 429 + Retry-After), counts
 * it against the questions per minute (RATE_LIMIT_ASK_*, else 429 + Retry-After), starts
 * the answer with an AbortSignal that fires when the client disconnects (the service then cancels
 * the answer on the worker), hands the answer to the route's `respond`, and gives the place back
 * when the answer ends or the client goes away.
 */
import type { Request, Response } from 'express';
import type { Config } from '../config.ts';
import type { AnswerDone } from '../contracts/answer.ts';
import type { AskHandle } from '../ports/answer-service.ts';
import { HttpError } from './http-error.ts';
import { PerClientLimit, takePlace } from './client-limits.ts';
import type { WebRateLimits } from './rate-limits.ts';

export type StartAnswer = (signal: AbortSignal) => Promise<AskHandle>;
export type RespondWith = (handle: AskHandle, signal: AbortSignal) => Promise<void>;

export interface QuestionGate {
  run(req: Request, res: Response, start: StartAnswer, respond: RespondWith): Promise<void>;
}

/**
 * `questions`: the per-client count, when other routes (the MCP tools) count against it too;
 * `rates`: questions per minute per user and address (./rate-limits.ts), counted once the question
 * has a place; none: not counted.
 */
export function createQuestionGate(config: Config, questions = new PerClientLimit(config.limits.pendingQuestionsPerClient), rates?: WebRateLimits): QuestionGate {
  const max = config.limits.pendingQuestionsPerClient;
  return {
    async run(req, res, start, respond) {
      const release = takePlace(
        questions,
        req,
        res,
        `You have ${max} questions being answered already (MAX_PENDING_QUESTIONS_PER_CLIENT=${max}); wait for one to finish, then ask again.`,
      );
      try {
        rates?.takeFor('ask', req);
        const abort = new AbortController();
        res.on('close', () => {
          if (!res.writableFinished) abort.abort(new Error('client disconnected'));
        });
        const handle = await start(abort.signal);
        await respond(handle, abort.signal);
      } finally {
        release();
      }
    },
  };
}

export const INCOMPLETE = 'The answer stopped before it was complete. Please ask again.';

/**
 * The `done` reply of an answer (for routes that reply once, not streamed); undefined when the
 * client went away. A failure is an HttpError: a timeout is the gateway not hearing back in time
 * (504), any other failure a bad reply (502).
 */
export async function awaitDone(handle: AskHandle, signal: AbortSignal): Promise<AnswerDone | undefined> {
  for await (const reply of handle.replies) {
    if (signal.aborted) return undefined;
    if (reply.type === 'done') return reply;
    if (reply.type === 'error') throw new HttpError(/time(d)? ?out|deadline/i.test(reply.message) ? 504 : 502, reply.message);
  }
  if (!signal.aborted) throw new HttpError(502, INCOMPLETE);
  return undefined;
}
