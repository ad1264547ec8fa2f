/**
 * What the web layer needs from the rest of Docent. Routes and pages depend on these interfaces
 * only; src/app/ wires them to the real services (over RabbitMQ/Kafka or in-process).
 */
import type { AnswerReply, HistoryTurn } from '../contracts/answer.ts';
import type { ChatStore } from '../chats/chat-store.ts';
import type { PassageService } from '../chats/passages.ts';
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import type { DocumentStatus } from '../contracts/ingest.ts';
import type { Settings } from '../contracts/settings.ts';
import type { SearchHit } from '../ports/vector-store.ts';

export interface DocumentView {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  status: DocumentStatus;
  /** Current stage while processing (stored, parsing, embedding, indexed, failed). */
  stage: string;
  /** 0..1 */
  progress: number;
  pages: number | null;
  chunks: number | null;
  error: string | null;
  /** What the stage is counting (pages parsed, chunks embedded): so far / in all; null when it is not counting. */
  done?: number | null;
  total?: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface UploadedFile {
  /** Temporary file the upload was streamed to; the service moves or deletes it. */
  tempPath: string;
  originalName: string;
  size: number;
}

export interface UploadResult {
  id: string;
  name: string;
  status: DocumentStatus;
  /** True when the same content was uploaded before: nothing new is ingested. */
  duplicate: boolean;
}

export interface DocumentService {
  /** Detects the type from the content, stores and enqueues; throws InvalidInputError for bad files. */
  upload(files: UploadedFile[]): Promise<UploadResult[]>;
  /**
   * Throws UnavailableError (503 + Retry-After) when the ingest queue is full
   * (MAX_PENDING_DOCUMENTS), so an upload can be refused before its body is read.
   */
  assertAccepting?(): void;
  list(): DocumentView[];
  get(id: string): DocumentView | undefined;
  /**
   * Sends a delete job for the document and marks it `deleting`; it disappears from the list when
   * the ingest worker has removed it from the index. Undefined when there is no such document.
   */
  delete(id: string): Promise<DocumentView | undefined>;
  /** Calls the listener on every status change (status `deleted` when one is gone); returns the unsubscribe function. */
  onChange(listener: (doc: DocumentView) => void): () => void;
  /**
   * Sends one `reindex` job that rebuilds the index from every stored document not being deleted
   * with the configured embedding model; returns those documents, now queued for re-index.
   */
  reindex?(): Promise<DocumentView[]>;
}

export interface SearchService {
  search(query: string, k: number): Promise<SearchHit[]>;
}

export interface AskInput {
  question: string;
  chatId?: string | undefined;
  settings: Settings;
  /** The chat's recent finished turns, oldest first (see the answer contract). */
  history?: HistoryTurn[] | undefined;
}

export interface AskHandle {
  answerId: string;
  chatId: string;
  /** sources -> token* -> done | error; ends after done or error. Breaking out cancels. */
  replies: AsyncIterable<AnswerReply>;
}

export interface AnswerService {
  /** Validated input in; throws UnavailableError (busy) or InvalidInputError. */
  ask(input: AskInput, signal?: AbortSignal): Promise<AskHandle>;
}

export interface VoteService {
  vote(answerId: string, vote: 'up' | 'down'): Promise<void>;
}

export interface AnalyticsReader {
  summary(range: AnalyticsRange): Promise<AnalyticsSummary>;
  /** One answer with everything recorded about it; undefined when the store does not hold it. */
  answer(answerId: string): Promise<AnalyticsAnswer | undefined>;
  /** The newest answers of a range, at most `limit`. */
  answers(range: AnalyticsRange, limit: number): Promise<AnalyticsAnswerRow[]>;
  /**
   * Every answer of a range, newest first, in pages read as the consumer of the iterable asks for
   * them (the streamed CSV export: nothing is held beyond a page). Breaking out of the loop stops it.
   */
  exportAnswers(range: AnalyticsRange): AsyncIterable<AnalyticsAnswerRow[]>;
}

export interface ReadinessCheck {
  /** Named checks, each 'ok' or a reason; any other than 'ok' makes the process not ready. */
  check(): Promise<Record<string, string>>;
  /** Named dependencies that may fail without failing requests (analytics): shown, not gating. */
  degraded?(): Record<string, string>;
}

export interface WebServices {
  documents: DocumentService;
  search: SearchService;
  answers: AnswerService;
  /** Chats and their turns; the ask routes record into it. */
  chats: ChatStore;
  /** Cited passages shown in their document's text. */
  passages: PassageService;
  votes: VoteService;
  analytics: AnalyticsReader;
  readiness: ReadinessCheck;
}
