/**
 * Opening a cited passage in its document (GET /documents/:id/view?chunk=...): the document's
 * extracted text around the passage, with the passage marked; and a document's whole text (the
 * MCP server's document resources, GET /api/documents/:id/text), from the same parse and cache.
 *
 * Where the text comes from: the stored upload is parsed again with the same isolated parser the
 * ingest worker used (its own child process, its time limit), so the text and the chunk offsets
 * agree without keeping a second copy of every document's text. Parsing costs about a second, so
 * the last few parsed documents are cached; a document id is its content hash, so a cached text
 * never goes stale. Views of a document being parsed wait for that parse (one parse per document,
 * however many views arrive), and at most PARSE_CONCURRENCY parses run at once with at most
 * PARSE_QUEUE waiting; past that a view is answered 503 + Retry-After. Where the passage is: the chunk's page and offsets come from the source as the
 * answer cited it (kept with the chat turn); when the offsets do not match the text (an older
 * worker sent none), the passage text is looked up in the page instead. Opened from an answer
 * (`answerId`), the source is that answer's, and the sentence its citation check found to best
 * support the citation is located in the passage shown (`supporting`).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SUPPORTED_MEDIA_TYPES, type MediaType } from '../contracts/ingest.ts';
import type { Source } from '../contracts/source.ts';
import { NotFoundError } from '../errors.ts';
import type { ParsedDocument } from '../ingest/parsed-document.ts';
import type { DocumentView } from '../ports/document-service.ts';
import type { PassageService } from '../ports/passage-service.ts';
import { WorkGate } from '../shared/work-gate.ts';
import type { ChatStore } from './chat-store.ts';

/** Characters of text shown on each side of the passage. */
export const CONTEXT_CHARS = 2000;
const CACHE_SIZE = 4;
/** Parses (each a child process of up to a few hundred MB) running at once for passage views. */
export const PARSE_CONCURRENCY = 2;
/** Parses waiting for a place; more is answered 503. */
export const PARSE_QUEUE = 4;

interface Deps {
  documents: { get(id: string): DocumentView | undefined };
  chats: Pick<ChatStore, 'findSource'>;
  uploadsDir: string;
  parse: (bytes: Uint8Array, type: MediaType) => Promise<ParsedDocument>;
  /** Defaults PARSE_CONCURRENCY and PARSE_QUEUE. */
  parseConcurrency?: number;
  parseQueue?: number;
}

export function createPassageService(deps: Deps): PassageService {
  const cache = new Map<string, ParsedDocument>();
  /** Parses under way, by document id: later views of the same document wait for the same one. */
  const inFlight = new Map<string, Promise<ParsedDocument>>();
  const gate = new WorkGate({
    concurrency: deps.parseConcurrency ?? PARSE_CONCURRENCY,
    queue: deps.parseQueue ?? PARSE_QUEUE,
    retryAfterSeconds: 5,
    busyMessage: 'Docent is busy opening other documents; try again in a few seconds.',
  });

  const parse = async (doc: DocumentView): Promise<ParsedDocument> => {
    const bytes = await fs.readFile(path.join(deps.uploadsDir, doc.id)).catch(() => {
      throw new NotFoundError(`The stored file of "${doc.name}" is gone; upload it again.`);
    });
    const result = await deps.parse(bytes, doc.mediaType as MediaType);
    cache.set(doc.id, result);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return result;
  };

  const parsed = (doc: DocumentView): Promise<ParsedDocument> => {
    const hit = cache.get(doc.id);
    if (hit) return Promise.resolve(hit);
    if (!(SUPPORTED_MEDIA_TYPES as readonly string[]).includes(doc.mediaType)) return Promise.reject(new NotFoundError(`"${doc.name}" has no readable text.`));
    let pending = inFlight.get(doc.id);
    if (!pending) {
      pending = gate.run(() => parse(doc)).finally(() => inFlight.delete(doc.id));
      inFlight.set(doc.id, pending);
    }
    return pending;
  };

  return {
    async passage(documentId, chunkId, scope, answerId) {
      const document = deps.documents.get(documentId);
      if (!document) throw new NotFoundError('That document is no longer in the library.');
      const source = deps.chats.findSource(documentId, chunkId, scope, answerId);
      if (!source) throw new NotFoundError('That passage is not among the sources of any saved answer; open it from an answer.');
      const doc = await parsed(document);
      // The cited page first; then any page, in case the page numbering differs (a re-upload).
      const pages = [...doc.pages.filter((p) => p.page === source.page), ...doc.pages.filter((p) => p.page !== source.page)];
      for (const page of pages) {
        const span = locate(page.text, source);
        if (span) {
          const shown = around(page.text, span.start, span.end);
          return { document, source, located: true, ...shown, ...supporting(source, shown.passage) };
        }
      }
      return { document, source, before: '', passage: source.text, after: '', located: false, ...supporting(source, source.text) };
    },

    async documentText(documentId) {
      const document = deps.documents.get(documentId);
      if (!document) throw new NotFoundError(`No document with id "${documentId}"; it may have been deleted.`);
      const doc = await parsed(document);
      return { document, pages: doc.pages.map(({ page, text }) => ({ page, text })) };
    },
  };
}

/** The best supporting sentence's range in the passage shown (the source's range is in its own text). */
export function supporting(source: Source, shown: string): { supporting?: { start: number; end: number } } {
  if (!source.support || source.supported === null) return {};
  const sentence = source.text.slice(source.support.start, source.support.end);
  if (sentence.trim() === '') return {};
  const at = shown.slice(source.support.start, source.support.end) === sentence ? source.support.start : shown.indexOf(sentence);
  return at < 0 ? {} : { supporting: { start: at, end: at + sentence.length } };
}

/** Where the source lies in the page text: its offsets when they match, else a text search. */
export function locate(text: string, source: Source): { start: number; end: number } | undefined {
  if (source.start !== undefined && source.end !== undefined && text.slice(source.start, source.end).trim() === source.text.trim()) {
    return { start: source.start, end: source.end };
  }
  const needle = source.text.trim();
  const at = needle === '' ? -1 : text.indexOf(needle);
  return at >= 0 ? { start: at, end: at + needle.length } : undefined;
}

/** The passage with up to CONTEXT_CHARS either side, cut at whitespace. */
export function around(text: string, start: number, end: number): { before: string; passage: string; after: string } {
  let from = Math.max(0, start - CONTEXT_CHARS);
  let to = Math.min(text.length, end + CONTEXT_CHARS);
  if (from > 0) from = Math.min(start, text.indexOf(' ', from) + 1 || start);
  if (to < text.length) to = Math.max(end, text.lastIndexOf(' ', to));
  return {
    before: (from > 0 ? '…' : '') + text.slice(from, start),
    passage: text.slice(start, end),
    after: text.slice(end, to) + (to < text.length ? '…' : ''),
  };
}
