/**
 * A user's chats as a download (Settings page, GET /api/chats/export?format=md|json): every chat
 * with every turn and, for each answer, its sources: the document's name, the page and section
 * (heading path) the passage came from, and the passage text the answer was written from. Written
 * a page of chats at a time (the store reads them lazily), so a long history never sits in memory.
 *
 * JSON: {format: "docent-chats", version: 1, exportedAt, chats: [{id, title, createdAt, updatedAt,
 * collections, turns: [{question, answer, status, error, feedback, searchedFor, askedAt,
 * answeredAt, model, sources: [{n, documentId, document, page, section, collection, passage}]}]}]}
 * with ISO 8601 times. Markdown: one `#` section per chat, `##` per question, the answer as
 * written, then its sources with each passage quoted.
 */
import { placeOf } from '../contracts/location.ts';
import type { Source } from '../contracts/source.ts';
import type { ChatTurn, ChatView } from './chat-types.ts';

export type ExportFormat = 'md' | 'json';

const iso = (ms: number): string => new Date(ms).toISOString();

function sourceJson(s: Source) {
  return {
    n: s.n,
    documentId: s.documentId,
    document: s.documentName,
    page: s.page,
    section: s.headingPath ?? null,
    collection: s.collectionName ?? s.collectionId ?? null,
    passage: s.text,
  };
}

function turnJson(t: ChatTurn) {
  return {
    question: t.question,
    answer: t.answer,
    status: t.status,
    error: t.error,
    feedback: t.feedback,
    searchedFor: t.searchedFor,
    askedAt: iso(t.createdAt),
    answeredAt: t.status === 'pending' ? null : iso(t.updatedAt),
    model: t.model,
    sources: t.sources.map(sourceJson),
  };
}

export function chatJson(c: ChatView) {
  return { id: c.id, title: c.title, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt), collections: c.collections.map((x) => x.name), turns: c.turns.map(turnJson) };
}

/** The JSON document, in pieces (one per chat). */
export async function* jsonExport(pages: Iterable<ChatView[]>, now: number): AsyncGenerator<string, void, undefined> {
  yield `{"format":"docent-chats","version":1,"exportedAt":${JSON.stringify(iso(now))},"chats":[`;
  let first = true;
  for (const page of pages) {
    for (const chat of page) {
      yield (first ? '\n' : ',\n') + JSON.stringify(chatJson(chat));
      first = false;
    }
    await Promise.resolve(); // let the socket drain between pages
  }
  yield '\n]}\n';
}

/** One line of Markdown: no line breaks (titles, names). */
const line = (text: string): string => text.replace(/\s+/g, ' ').trim();
const quote = (text: string): string => text.trim().split('\n').map((l) => `> ${l}`.trimEnd()).join('\n');

function sourceMarkdown(s: Source): string {
  const { location, headingPath } = placeOf(s);
  const where = [location ?? undefined, headingPath ? `section "${line(headingPath)}"` : undefined].filter(Boolean).join(', ');
  return `${s.n}. **${line(s.documentName)}**${where ? ` (${where})` : ''}\n\n${quote(s.text).replace(/^/gm, '   ')}\n`;
}

function turnMarkdown(t: ChatTurn): string {
  const parts = [`## ${line(t.question)}\n`, `*Asked ${iso(t.createdAt)}*\n`];
  if (t.question.includes('\n')) parts.push(`${quote(t.question)}\n`);
  if (t.feedback) parts.push(`*Regenerated with: ${line(t.feedback)}*\n`);
  parts.push(t.answer ? `${t.answer.trim()}\n` : '*No answer.*\n');
  if (t.status !== 'done' && t.error) parts.push(`*${t.status === 'stopped' ? 'Stopped' : 'Failed'}: ${line(t.error)}*\n`);
  if (t.sources.length > 0) parts.push(`### Sources\n\n${t.sources.map(sourceMarkdown).join('\n')}`);
  return parts.join('\n');
}

export function chatMarkdown(c: ChatView): string {
  const collections = c.collections.length > 0 ? c.collections.map((x) => x.name).join(', ') : 'all collections';
  return `# ${line(c.title)}\n\n*Started ${iso(c.createdAt)}, last active ${iso(c.updatedAt)}; asked over ${collections}.*\n\n${c.turns.map(turnMarkdown).join('\n')}`;
}

/** The Markdown document, in pieces (one per chat). */
export async function* markdownExport(pages: Iterable<ChatView[]>, now: number): AsyncGenerator<string, void, undefined> {
  yield `<!-- Docent chats, exported ${iso(now)} -->\n\n`;
  let any = false;
  for (const page of pages) {
    for (const chat of page) {
      yield `${any ? '\n---\n\n' : ''}${chatMarkdown(chat)}`;
      any = true;
    }
    await Promise.resolve();
  }
  if (!any) yield '*No chats.*\n';
}
