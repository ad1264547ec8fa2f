/**
 * POST /v1/chat/completions: OpenAI's chat completions over Docent's answer workers. The request
 * is read by ./chat-request.ts, the model names the collections (./models.ts), and the question
 * goes through the same gate as POST /api/ask (per-client limit, busy = 503 + Retry-After,
 * disconnect = the answer is cancelled on the worker). No chat is stored: the client holds the
 * conversation and sends it each time, and the earlier messages travel as the request's history
 * (the answer contract's `history`, the same one a Docent chat sends). Channel: `openai`; the
 * signed-in user's internal id goes to analytics.
 *
 * Not streamed: one `chat.completion`. Streamed (`stream: true`): `data: <chat.completion.chunk>`
 * lines: a first chunk with the role, one per token batch, a last one with finish_reason and the
 * `sources` extension, then (with stream_options.include_usage) a chunk with `usage` and no
 * choices, then `data: [DONE]`. A failure after the stream started is `data: {"error": {...}}`
 * (OpenAI's clients raise it), without [DONE]. When the worker answering dies after tokens were
 * sent and another starts the answer again, the text already sent cannot be taken back: the
 * stream ends with such an error (ask again); before any token the restart is invisible.
 */
import { Router, type Response } from 'express';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Config } from '../../config.ts';
import type { AskHandle } from '../../ports/answer-service.ts';
import type { WebServices } from '../services.ts';
import { startSse } from '../sse.ts';
import { awaitDone, INCOMPLETE, type QuestionGate } from '../question-gate.ts';
import { chunk, completion, finishReason, openAiSources, usageOf, type CompletionIdentity } from './chat-format.ts';
import { parseChatRequest, type ChatRequest } from './chat-request.ts';
import { collectionsOfModel } from './models.ts';
import { signedInUser } from '../auth/current-user.ts';

const RESTARTED = 'The worker answering this question stopped and another one started the answer again; the text already streamed is void. Please ask again.';

function write(res: Response, data: unknown): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

const streamError = (message: string) => ({ error: { message, type: 'server_error', param: null, code: null } });

async function stream(handle: AskHandle, res: Response, signal: AbortSignal, who: CompletionIdentity, chat: ChatRequest, log: Logger): Promise<void> {
  startSse(res);
  const usageNull = chat.includeUsage ? { usage: null } : {};
  write(res, chunk(who, { role: 'assistant', content: '' }, null, usageNull));
  let finished = false;
  let sourcesSeen = false;
  let textSent = false;
  try {
    for await (const reply of handle.replies) {
      if (signal.aborted) break;
      if (reply.type === 'sources') {
        if (sourcesSeen && textSent) {
          write(res, streamError(RESTARTED));
          finished = true;
          break;
        }
        sourcesSeen = true;
      } else if (reply.type === 'token') {
        if (reply.text === '') continue;
        write(res, chunk(who, { content: reply.text }, null, usageNull));
        textSent = true;
      } else if (reply.type === 'done') {
        const searched = reply.searchedFor === undefined ? {} : { searched_for: reply.searchedFor };
        write(res, chunk(who, {}, finishReason(reply, chat.settings.maxTokens), { sources: openAiSources(reply.sources), ...searched, ...usageNull }));
        if (chat.includeUsage) write(res, { id: who.id, object: 'chat.completion.chunk', created: who.created, model: who.model, choices: [], usage: usageOf(reply) });
        write(res, '[DONE]');
        finished = true;
        break;
      } else if (reply.type === 'error') {
        write(res, streamError(reply.message));
        finished = true;
        break;
      }
    }
    if (!finished && !signal.aborted) write(res, streamError(INCOMPLETE));
  } catch (err) {
    log.error({ err, answerId: handle.answerId }, 'openai answer stream failed');
    if (!signal.aborted) write(res, streamError(err instanceof AppError ? err.message : INCOMPLETE));
  } finally {
    res.end();
  }
}

export function chatCompletions(services: WebServices, config: Config, log: Logger, gate: QuestionGate): Router {
  const router = Router();
  router.post('/v1/chat/completions', async (req, res) => {
    const chat = parseChatRequest(req.body, config.web.maxQuestionChars);
    const collections = collectionsOfModel(chat.model, services.collections);
    const userId = signedInUser()?.id;
    const input = { question: chat.question, settings: chat.settings, history: chat.history, collections, channel: 'openai' as const, ...(userId ? { userId } : {}) };
    await gate.run(
      req,
      res,
      (signal) => services.answers.ask(input, signal),
      async (handle, signal) => {
        res.setHeader('Docent-Answer-Id', handle.answerId);
        const who = { id: `chatcmpl-${handle.answerId}`, created: Math.floor(Date.now() / 1000), model: chat.model };
        log.debug({ answerId: handle.answerId, stream: chat.stream, channel: 'openai' }, 'question accepted');
        if (chat.stream) {
          await stream(handle, res, signal, who, chat, log);
          return;
        }
        const done = await awaitDone(handle, signal);
        if (done) res.json(completion(who, done, chat.settings.maxTokens));
      },
    );
  });
  return router;
}
