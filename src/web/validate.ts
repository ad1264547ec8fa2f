/**
 * Request validation at the web boundary. Each function returns clean values or throws a 400
 * HttpError whose message names the field and what is allowed, so a person can fix the input.
 */
import { FEEDBACK_PATTERN, MAX_FEEDBACK_CHARS } from '../contracts/answer.ts';
import { ANALYTICS_RANGES, type AnalyticsRange } from '../contracts/analytics-summary.ts';
import { SETTING_RANGES, settingsSchema, type Settings } from '../contracts/settings.ts';
import { badRequest } from './http-error.ts';
import type { AskInput } from '../ports/answer-service.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates sampling settings with the shared schema; the first problem becomes the message. */
export function parseSettings(value: unknown): Settings {
  const parsed = settingsSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue === undefined) throw badRequest('settings are not valid');
  if (issue.code === 'unrecognized_keys') {
    const allowed = [...Object.keys(SETTING_RANGES), 'seed'].join(', ');
    throw badRequest(`unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`, 'settings');
  }
  const field = issue.path.map(String).join('.') || 'settings';
  const message = issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
  throw badRequest(message, field);
}

/** Body of POST /api/ask. */
export function parseAskBody(body: unknown, maxQuestionChars: number): AskInput & { regenerate?: string; collectionNames: string[] } {
  if (!isRecord(body)) throw badRequest('Send a JSON object with a "question".', 'question');
  const { question, chatId, settings, regenerate } = body;
  // Ids or names of the collections to ask over (none: all); the route resolves them.
  const collectionNames = parseCollectionNames(body.collections);
  const feedback = parseFeedback(body.feedback);
  if (regenerate !== undefined && regenerate !== null) {
    // Ask with `regenerate: answerId` is the same as POST /api/answers/:answerId/regenerate.
    if (typeof regenerate !== 'string' || regenerate.length === 0 || regenerate.length > 200) {
      throw badRequest('regenerate must be the id of the answer to write again.', 'regenerate');
    }
    return { question: '', regenerate, settings: parseSettings(settings), collectionNames, ...(feedback === undefined ? {} : { feedback }) };
  }
  if (feedback !== undefined) throw badRequest('feedback only applies when regenerating: send it with "regenerate": the id of the answer to write again.', 'feedback');
  if (question !== undefined && question !== null && typeof question !== 'string') throw badRequest('question must be text.', 'question');
  if (typeof question !== 'string' || question.trim() === '') throw badRequest('Type a question first: the question is empty.', 'question');
  if (question.length > maxQuestionChars) {
    throw badRequest(`The question is too long: ${question.length} characters, the limit is ${maxQuestionChars}.`, 'question');
  }
  if (chatId !== undefined && chatId !== null && (typeof chatId !== 'string' || chatId.length === 0 || chatId.length > 200)) {
    throw badRequest('chatId must be a non-empty string of at most 200 characters.', 'chatId');
  }
  return { question: question.trim(), chatId: typeof chatId === 'string' ? chatId : undefined, settings: parseSettings(settings), collectionNames };
}

/**
 * The collections a search or question is restricted to, each by id or name: a JSON array of
 * strings, or (query) a comma-separated list or the parameter repeated. Absent or empty: all.
 */
export function parseCollectionNames(value: unknown, field = 'collections'): string[] {
  if (value === undefined || value === null || value === '') return [];
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? (value as unknown[]) : null;
  if (items === null || items.some((v) => typeof v !== 'string')) throw badRequest(`${field} must be a list of collection ids or names.`, field);
  const names = (items as string[]).map((v) => v.trim()).filter((v) => v !== '');
  if (names.length > 100) throw badRequest(`${field}: at most 100 collections.`, field);
  return names;
}

/** Body of POST /api/answers/:answerId/regenerate: optional settings (absent keeps the turn's) and feedback. */
export function parseRegenerateBody(body: unknown): { settings: Settings | undefined; feedback: string | undefined } {
  if (body === undefined || body === null) return { settings: undefined, feedback: undefined };
  if (!isRecord(body)) throw badRequest('Send a JSON object, optionally with "settings" and "feedback".', 'settings');
  return { settings: body.settings === undefined || body.settings === null ? undefined : parseSettings(body.settings), feedback: parseFeedback(body.feedback) };
}

/**
 * `feedback` of a regeneration: a short style request in plain text ("shorter", "in French").
 * Runs of white space (line breaks included) become one space; empty means none.
 */
export function parseFeedback(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest('feedback must be text: a short instruction for the new answer, such as "shorter".', 'feedback');
  const clean = value.replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  if (clean.length > MAX_FEEDBACK_CHARS) {
    throw badRequest(`The instruction is too long: ${clean.length} characters, the limit is ${MAX_FEEDBACK_CHARS}. Keep it short, such as "shorter" or "in French".`, 'feedback');
  }
  if (!FEEDBACK_PATTERN.test(clean)) throw badRequest('The instruction contains control characters; use plain text.', 'feedback');
  return clean;
}

/** `k` of GET /api/search: a whole number in the settings' k range, default its default. */
export function parseK(value: unknown): number {
  const { min, max, default: def } = SETTING_RANGES.k;
  if (value === undefined || value === '') return def;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`k must be a whole number between ${min} and ${max}.`, 'k');
  return n;
}

/** `maxChars` of GET /api/documents/:id/text: a whole number 1..max, default max. */
export function parseMaxChars(value: unknown, max: number): number {
  if (value === undefined || value === '') return max;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest(`maxChars must be a whole number between 1 and ${max}.`, 'maxChars');
  return n;
}

/** `q` of GET /api/search. */
export function parseQuery(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest('q is required: the text to search for.', 'q');
  return value.trim();
}

export function parseRange(value: unknown): AnalyticsRange {
  if (value === undefined || value === '') return 'all';
  if (typeof value === 'string' && (ANALYTICS_RANGES as readonly string[]).includes(value)) return value as AnalyticsRange;
  throw badRequest(`range must be one of ${ANALYTICS_RANGES.join(', ')}.`, 'range');
}

/** Body of POST /api/votes (JSON or form). */
export function parseVote(body: unknown): { answerId: string; vote: 'up' | 'down' } {
  if (!isRecord(body)) throw badRequest('Send answerId and vote ("up" or "down").', 'vote');
  const { answerId, vote } = body;
  if (typeof answerId !== 'string' || answerId.trim() === '' || answerId.length > 200) {
    throw badRequest('answerId is required: the id of the answer you vote on.', 'answerId');
  }
  if (vote !== 'up' && vote !== 'down') throw badRequest('vote must be "up" or "down".', 'vote');
  return { answerId, vote };
}

/** Body of PATCH /api/chats/:id: a new title, one line, 1..maxChars characters once trimmed. */
export function parseChatTitle(body: unknown, maxChars: number): string {
  const title = isRecord(body) ? body.title : undefined;
  if (typeof title !== 'string') throw badRequest('Send a JSON object with the new "title" of the chat.', 'title');
  // Line breaks and tabs become spaces: a title is shown on one line everywhere.
  const clean = title.replace(/\s+/g, ' ').trim();
  if (clean === '') throw badRequest('The title is empty: type a name for the chat.', 'title');
  if (clean.length > maxChars) throw badRequest(`The title is too long: ${clean.length} characters, the limit is ${maxChars}.`, 'title');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(clean)) throw badRequest('The title contains control characters; use plain text.', 'title');
  return clean;
}

/**
 * `limit` of a paged list (GET /api/chats, GET /api/documents): a whole number 1..maxLimit;
 * undefined when absent (the list's default applies).
 */
export function parsePageLimit(value: unknown, maxLimit: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > maxLimit) throw badRequest(`limit must be a whole number between 1 and ${maxLimit}.`, 'limit');
  return n;
}

/** The cursor of a paged list (`field`: `before` for chats, `cursor` for documents); the list checks it is one of its own. */
export function parsePageCursor(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 500) throw badRequest(`${field} must be the "next" cursor of the previous page.`, field);
  return value;
}

/** `limit` and `before` of GET /api/chats. */
export function parseChatPage(query: Record<string, unknown>, maxLimit: number): { limit: number | undefined; before: string | undefined } {
  return { limit: parsePageLimit(query.limit, maxLimit), before: parsePageCursor(query.before, 'before') };
}
