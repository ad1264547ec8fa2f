/**
 * The body of POST /v1/chat/completions read into a Docent question (OpenAI's request format):
 *   - `messages`: the last one must be the user's question; earlier user/assistant pairs become the
 *     chat history the worker condenses a follow-up with (the same `history` a Docent chat sends:
 *     the last MAX_HISTORY_TURNS pairs, each text cut to MAX_HISTORY_CHARS). `system`/`developer`
 *     messages are accepted and ignored: Docent's own grounding instructions decide how it answers.
 *     Content is a string or an array of text parts; image, audio and file parts are refused.
 *   - sampling: temperature, top_p, max_tokens / max_completion_tokens, seed map to Docent's
 *     settings with Docent's ranges; `top_k` and `k` (passages) are extensions; frequency_penalty /
 *     presence_penalty map to the repeat penalty: absent or 0 keeps Docent's default, p in (0, 2]
 *     gives 1 + p/2 (the larger of the two counts), negative values are refused.
 *   - refused with a 400 naming the parameter: n > 1, tools / functions / tool_choice /
 *     function_call, logprobs, response_format other than text, audio/image modalities.
 *   - `stream`, `stream_options.include_usage`; `stop`, `user`, `metadata` and others are ignored.
 */
import { MAX_HISTORY_CHARS, MAX_HISTORY_TURNS, type HistoryTurn } from '../../contracts/answer.ts';
import { SETTING_RANGES, settingsSchema, type Settings } from '../../contracts/settings.ts';
import { invalidParam } from './openai-errors.ts';

export interface ChatRequest {
  model: string;
  question: string;
  history: HistoryTurn[];
  settings: Settings;
  stream: boolean;
  includeUsage: boolean;
}

type Body = Record<string, unknown>;
const isRecord = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown): boolean => v !== undefined && v !== null;

function text(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw invalidParam(`${param} must be a string or an array of text parts.`, param);
  return content
    .map((part: unknown, i) => {
      const type = isRecord(part) ? part.type : undefined;
      if (type !== 'text' || !isRecord(part) || typeof part.text !== 'string') {
        throw invalidParam(`${param}[${i}] is a ${typeof type === 'string' ? `"${type}"` : 'non-text'} part; Docent answers text questions only (no images, audio or files).`, `${param}[${i}]`, 'unsupported_content');
      }
      return part.text;
    })
    .join('');
}

const clip = (t: string): string => (t.length > MAX_HISTORY_CHARS ? t.slice(0, MAX_HISTORY_CHARS - 1) + '…' : t);

function conversation(messages: unknown, maxQuestionChars: number): { question: string; history: HistoryTurn[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidParam('messages must be a non-empty array ending with the user\'s question.', 'messages');
  const turns: Array<{ role: 'user' | 'assistant'; text: string }> = [];
  messages.forEach((m: unknown, i) => {
    const param = `messages[${i}]`;
    if (!isRecord(m)) throw invalidParam(`${param} must be an object with "role" and "content".`, param);
    const role = m.role;
    if (role === 'system' || role === 'developer') return; // ignored: see the header
    if (role === 'tool' || role === 'function') throw invalidParam(`${param}: Docent does not call tools, so "${role}" messages are not accepted.`, `${param}.role`, 'tools_not_supported');
    if (role !== 'user' && role !== 'assistant') throw invalidParam(`${param}.role must be "user", "assistant" or "system".`, `${param}.role`);
    if (role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) throw invalidParam(`${param}: Docent does not call tools, so assistant tool_calls are not accepted.`, `${param}.tool_calls`, 'tools_not_supported');
    turns.push({ role, text: text(m.content, `${param}.content`) });
  });
  const last = turns.pop();
  if (last?.role !== 'user') throw invalidParam('The last message (system messages aside) must be the user\'s question.', 'messages');
  const question = last.text.trim();
  if (question === '') throw invalidParam('The question (the last user message) is empty.', 'messages');
  if (question.length > maxQuestionChars) throw invalidParam(`The question is too long: ${question.length} characters, the limit is ${maxQuestionChars} (MAX_QUESTION_CHARS).`, 'messages');
  // Each user message followed by an assistant message is one finished turn; the rest is dropped.
  const history: HistoryTurn[] = [];
  for (let i = 0; i + 1 < turns.length; i++) {
    const q = turns[i]!;
    const a = turns[i + 1]!;
    if (q.role === 'user' && a.role === 'assistant') {
      history.push({ question: clip(q.text.trim()), answer: clip(a.text.trim()) });
      i++;
    }
  }
  return { question, history: history.slice(-MAX_HISTORY_TURNS) };
}

/** A number parameter within Docent's range for setting `name`; undefined when absent. */
function ranged(body: Body, param: string, name: keyof typeof SETTING_RANGES, integer: boolean): number | undefined {
  const v = body[param];
  if (!present(v)) return undefined;
  const r = SETTING_RANGES[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParam(`${param} must be a number.`, param);
  if (integer && !Number.isInteger(v)) throw invalidParam(`${param} must be a whole number.`, param);
  if (v < r.min || v > r.max) throw invalidParam(`${param} must be between ${r.min} and ${r.max} (Docent's range), got ${v}.`, param);
  return v;
}

function repeatPenalty(body: Body): number | undefined {
  let p = 0;
  for (const param of ['frequency_penalty', 'presence_penalty']) {
    const v = body[param];
    if (!present(v)) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidParam(`${param} must be a number.`, param);
    if (v < 0 || v > 2) throw invalidParam(`${param} must be between 0 and 2 (Docent maps it to its repeat penalty, 1 + ${param}/2; negative values, which encourage repetition, are not supported), got ${v}.`, param);
    p = Math.max(p, v);
  }
  return p === 0 ? undefined : 1 + p / 2;
}

function refuseUnsupported(body: Body): void {
  if (present(body.n) && body.n !== 1) throw invalidParam('n must be 1: Docent writes one answer per request.', 'n');
  for (const param of ['tools', 'functions']) {
    const v = body[param];
    if (present(v) && !(Array.isArray(v) && v.length === 0)) throw invalidParam(`${param} are not supported: Docent answers from your documents and does not call tools.`, param, 'tools_not_supported');
  }
  for (const param of ['tool_choice', 'function_call']) {
    const v = body[param];
    if (present(v) && v !== 'none' && v !== 'auto') throw invalidParam(`${param} is not supported: Docent does not call tools.`, param, 'tools_not_supported');
  }
  if (present(body.logprobs) && body.logprobs !== false) throw invalidParam('logprobs are not supported.', 'logprobs');
  const format = body.response_format;
  if (present(format) && !(isRecord(format) && format.type === 'text')) throw invalidParam('response_format must be {"type": "text"}: Docent answers in text with [n] citations (no JSON mode).', 'response_format');
  const modalities = body.modalities;
  if (Array.isArray(modalities) && modalities.some((m) => m !== 'text')) throw invalidParam('modalities must be ["text"]: Docent answers in text only.', 'modalities');
  if (present(body.audio)) throw invalidParam('audio output is not supported.', 'audio');
}

export function parseChatRequest(raw: unknown, maxQuestionChars: number): ChatRequest {
  if (!isRecord(raw)) throw invalidParam('Send a JSON object with "model" and "messages".', null);
  const body = raw;
  if (typeof body.model !== 'string' || body.model.trim() === '') throw invalidParam('model is required: "docent" or "docent:<collection>" (GET /v1/models lists them).', 'model');
  refuseUnsupported(body);
  const { question, history } = conversation(body.messages, maxQuestionChars);
  if (present(body.max_tokens) && present(body.max_completion_tokens)) throw invalidParam('Send max_tokens or max_completion_tokens, not both.', 'max_tokens');
  const seed = body.seed;
  if (present(seed) && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)) throw invalidParam('seed must be a whole number between 0 and 4294967295.', 'seed');
  const values: Record<string, number | undefined> = {
    temperature: ranged(body, 'temperature', 'temperature', false),
    topP: ranged(body, 'top_p', 'topP', false),
    maxTokens: ranged(body, 'max_tokens', 'maxTokens', true) ?? ranged(body, 'max_completion_tokens', 'maxTokens', true),
    topK: ranged(body, 'top_k', 'topK', true),
    k: ranged(body, 'k', 'k', true),
    repeatPenalty: repeatPenalty(body),
    seed: present(seed) ? (seed as number) : undefined,
  };
  const settings = settingsSchema.parse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
  if (present(body.stream) && typeof body.stream !== 'boolean') throw invalidParam('stream must be true or false.', 'stream');
  const options = body.stream_options;
  if (present(options) && !isRecord(options)) throw invalidParam('stream_options must be an object.', 'stream_options');
  const includeUsage = isRecord(options) && options.include_usage === true;
  return { model: body.model.trim(), question, history, settings, stream: body.stream === true, includeUsage };
}
