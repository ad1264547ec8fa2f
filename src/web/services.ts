/**
 * What the web layer needs from the rest of Docent, one port each (src/ports/). Routes and pages
 * depend on these interfaces only; src/app/ wires them to the real services (over RabbitMQ/Kafka
 * or in-process).
 */
import type { ChatStore } from '../chats/chat-store.ts';
import type { AnalyticsReader } from '../ports/analytics-reader.ts';
import type { AnswerService } from '../ports/answer-service.ts';
import type { CollectionService } from '../ports/collection-service.ts';
import type { DocumentService } from '../ports/document-service.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { PassageService } from '../ports/passage-service.ts';
import type { ReadinessCheck } from '../ports/readiness-check.ts';
import type { SearchService } from '../ports/search-service.ts';
import type { VoteService } from '../ports/vote-service.ts';
import type { WebPageService } from '../ports/web-pages.ts';
import type { AccessLookup } from './auth/access-checks.ts';

export interface WebServices {
  documents: DocumentService;
  /** "Add a web page" and Refresh; absent: those routes answer 404. */
  webPages?: WebPageService | undefined;
  /** Named sets of documents, each searched on its own. */
  collections: CollectionService;
  search: SearchService;
  answers: AnswerService;
  /** Chats and their turns; the ask routes record into it. */
  chats: ChatStore;
  /** Cited passages shown in their document's text. */
  passages: PassageService;
  votes: VoteService;
  analytics: AnalyticsReader;
  readiness: ReadinessCheck;
  /** The embedding model, for POST /v1/embeddings; absent: that route answers 501. */
  /**
   * The rights of the request being handled (set by ./auth/scoped-services.ts, which enforces them
   * in these services); absent, or giving undefined: sign-in is off and every right is everyone's.
   * Routes use it only to check before a body is read (uploads).
   */
  access?: AccessLookup | undefined;
  embedder?: Pick<Embedder, 'modelName' | 'dimensions' | 'embedDocuments' | 'countTokens'> | undefined;
}
