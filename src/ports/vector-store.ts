/**
 * The vector-store port: chunks with their vectors, searchable by similarity, persisted as
 * versions with a manifest naming the embedding model, dimension and chunker settings.
 */
export interface ChunkRecord {
  chunkId: string;
  documentId: string;
  documentName: string;
  /** 1-based page for paged formats, null otherwise. */
  page: number | null;
  text: string;
  /** Character offsets in the extracted text of the chunk's page (of the whole text for unpaged formats). */
  start: number;
  end: number;
  /**
   * Headings above the chunk, outermost first, joined with " > " (e.g. "Install > Linux"); null
   * when the format has no headings or the chunk lies before the first one. Optional because
   * index versions written before it existed lack it: absent means the same as null.
   */
  headingPath?: string | null;
  /**
   * The unit a citation names when it is not the page: "slide 3", "Sheet1, rows 12-40",
   * `chapter "Storms"` (src/contracts/location.ts). Absent for paged formats (PDF: the citation says
   * "page N" from `page`), formats without a unit (plain text, Word, web pages), and versions
   * written before it existed.
   */
  location?: string | null;
  /** The passage's page was read by OCR (a scan or an image), so its text may contain errors; absent otherwise. */
  ocr?: boolean;
}

export interface SearchHit extends ChunkRecord {
  /**
   * How well the passage matches, higher is better; what it is depends on the search mode
   * (config SEARCH_MODE, src/retrieval/search-modes.ts): dense, the cosine similarity; lexical,
   * the BM25 relevance (unbounded); hybrid, the fused score in [0, 1].
   */
  score: number;
  /** Cosine similarity of the passage to the question, when it was computed (dense and hybrid). */
  similarity?: number;
  /** BM25 relevance, when the passage was found by the lexical search. */
  lexicalScore?: number;
  /** The collection whose index holds the passage (set by the collection stores). */
  collectionId?: string;
  /**
   * The sentences of `text` that bear on the question (src/answer/sentence-trim.ts), shown to the
   * model instead of `text`; absent when the whole passage is shown.
   */
  excerpt?: string;
}

/** A document's chunks and their (L2-normalised) vectors as a store holds them, row for row. */
export interface DocumentRows {
  chunks: ChunkRecord[];
  vectors: Float32Array[];
}

export interface IndexManifest {
  embedModelId: string;
  embedModelName: string;
  dimensions: number;
  chunkSize: number;
  chunkOverlap: number;
}

/**
 * A reader serving the version it loaded after a version built by another embedding model became
 * live (src/retrieval/stale-index.ts): searches still work, filtered to the live version's documents.
 */
export interface StaleIndex {
  /** The version served (built with this process's model). */
  readonly served: string;
  /** The live version (CURRENT), built with another model. */
  readonly live: string;
  /** The live version's embedding model: its name, id and dimensions. */
  readonly liveModel: string;
  /** Since when (ms since the epoch) this process serves an older version. */
  readonly since: number;
  /** What an operator is told (log, /readyz): what is served, until when, and what is not found. */
  readonly message: string;
}

export interface VectorStore {
  /**
   * Why the stored index cannot be used until it is re-indexed (it was built by another embedding
   * model; the guarded store of src/retrieval says so); absent or null when it can. Also set while
   * `stale`: nothing can be written then, and uploads wait.
   */
  readonly reindexNeeded?: string | null;
  /** Set while searches are served from an older version than the live one (see StaleIndex); absent or null otherwise. */
  readonly stale?: StaleIndex | null;
  readonly size: number;
  /** The live version's name, or null when nothing was saved yet. */
  readonly version: string | null;
  hasDocument(documentId: string): boolean;
  /**
   * Adds chunks of one document, replacing its earlier chunks in the same step; visible to search
   * at once in this process, persisted by save().
   */
  addDocument(chunks: ChunkRecord[], vectors: ReadonlyArray<ArrayLike<number>>): Promise<void>;
  removeDocument(documentId: string): Promise<boolean>;
  /**
   * The document's chunks and vectors (copies), to add it to another store without embedding it
   * again; undefined when this store does not hold it.
   */
  documentRows?(documentId: string): DocumentRows | undefined;
  search(vector: number[], k: number): Promise<SearchHit[]>;
  /**
   * The k best passages by BM25 for what a person typed (the lexical index kept with the vectors);
   * `score` and `lexicalScore` are the BM25 relevance. Absent: the store has no lexical index.
   */
  searchText?(text: string, k: number): Promise<SearchHit[]>;
  /** Cosine similarity of `vector` to each of the chunks this store holds (others are left out). */
  similarities?(vector: number[], chunkIds: readonly string[]): Promise<Map<string, number>>;
  /** Writes a new version atomically and makes it current; returns its name. */
  save(): Promise<string>;
  /** Loads the current version from disk if it changed; true when it did. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}
