/**
 * The MCP tools' backend inside the web process (POST /mcp): the same services, validation,
 * per-client question limit and chat recording as the JSON API (GET /api/search, POST /api/ask,
 * GET /api/documents), called in-process. One backend per MCP request, for one client (its remote
 * address, as the JSON API counts clients). A chat the MCP tools start belongs to the signed-in user.
 */
import { askInChat } from '../../asking/chat-answers.ts';
import { signedInUser } from '../auth/current-user.ts';
import { placeOf } from '../../contracts/location.ts';
import { citationCheck, type Source } from '../../contracts/source.ts';
import { UnavailableError } from '../../errors.ts';
import { docentSettings, RetryLaterError, type DocentBackend, type McpCollectionRef, type McpPassage, type McpSource } from '../../mcp/backend.ts';
import type { SearchHit } from '../../ports/vector-store.ts';
import type { PerClientLimit } from '../client-limits.ts';
import type { WebRateLimits } from '../rate-limits.ts';
import { readDocumentText } from '../document-text.ts';
import type { WebServices } from '../services.ts';
import { parseAskBody } from '../validate.ts';

const INCOMPLETE = 'The answer stopped before it was complete. Please ask again.';

export interface LocalBackendOptions {
  services: WebServices;
  maxQuestionChars: number;
  /** Questions in flight per client, shared with POST /api/ask. */
  questions: PerClientLimit;
  maxQuestions: number;
  client: string;
  /** Questions per minute per user and address (../rate-limits.ts); a refusal is the tool's error, with the web's message. */
  rates?: WebRateLimits | undefined;
}

export function createLocalBackend({ services, maxQuestionChars, questions, maxQuestions, client, rates }: LocalBackendOptions): DocentBackend {
  const collectionRef = (id: string | undefined, name?: string): McpCollectionRef | null => {
    if (id === undefined) return null;
    return { id, name: name ?? services.collections.list().find((c) => c.id === id)?.name ?? id };
  };
  const passage = (h: SearchHit | Source): McpPassage => ({
    documentId: h.documentId,
    documentName: h.documentName,
    page: h.page,
    location: placeOf(h).location,
    headingPath: h.headingPath ?? null,
    collection: collectionRef(h.collectionId, 'collectionName' in h ? h.collectionName : undefined),
    score: h.score,
    text: h.text,
    chunkId: h.chunkId,
  });

  return {
    async search({ query, k, collections }) {
      const chosen = services.collections.resolve(collections);
      const hits = await services.search.search(query, k, chosen.map((c) => c.id));
      return hits.map(passage);
    },

    async ask({ question, collections, settings }, signal, onProgress) {
      const input = parseAskBody({ question, collections, settings: docentSettings(settings) }, maxQuestionChars);
      const chosen = services.collections.resolve(input.collectionNames).map(({ id, name }) => ({ id, name }));
      const release = questions.tryTake(client);
      if (!release) throw new Error(`You have ${maxQuestions} questions being answered already (MAX_PENDING_QUESTIONS_PER_CLIENT=${maxQuestions}); wait for one to finish, then ask again.`);
      try {
        const refused = rates?.take('ask', signedInUser()?.id, client);
        if (refused) throw new RetryLaterError(refused.message, refused.retryAfterSeconds);
        const handle = await askInChat({ chats: services.chats, answers: services.answers }, { ...input, collections: chosen, channel: 'mcp', userId: signedInUser()?.id ?? null }, signal).catch((err: unknown) => {
          if (err instanceof UnavailableError) throw new RetryLaterError(`${err.message} (try again in ${err.retryAfterSeconds} s)`, err.retryAfterSeconds, err);
          throw err;
        });
        let tokens = 0;
        for await (const reply of handle.replies) {
          if (signal?.aborted) break;
          if (reply.type === 'sources') onProgress?.(`found ${reply.sources.length} passages`, 0);
          else if (reply.type === 'token') onProgress?.('writing the answer', ++tokens);
          else if (reply.type === 'done') {
            return { answerId: handle.answerId, chatId: handle.chatId, answer: reply.answer, sources: reply.sources.map((s): McpSource => ({ n: s.n, ...passage(s), ...citationCheck(s) })) };
          } else if (reply.type === 'error') throw new Error(reply.message);
        }
        throw new Error(signal?.aborted ? 'The question was cancelled.' : INCOMPLETE);
      } finally {
        release();
      }
    },

    listDocuments({ collection }) {
      const only = collection === undefined ? undefined : services.collections.get(collection).id;
      const names = new Map(services.collections.list().map((c) => [c.id, c.name]));
      const docs = services.documents.list().filter((d) => only === undefined || (d.collections ?? []).includes(only));
      return Promise.resolve(docs.map((d) => ({
        id: d.id,
        name: d.name,
        status: d.status,
        mediaType: d.mediaType,
        pages: d.pages,
        chunks: d.chunks,
        collections: (d.collections ?? []).map((id) => ({ id, name: names.get(id) ?? id })),
        error: d.error,
      })));
    },

    documentText: (id, maxChars) => readDocumentText(services, id, maxChars),
  };
}
