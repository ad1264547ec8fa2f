/**
 * The embedding port; shaped like LangChain's EmbeddingsInterface so either side can use the other.
 * Vectors are L2-normalised, so inner product = cosine similarity.
 */
export interface Embedder {
  /** Identity of the model (sha256 of the model file, first 16 hex); recorded in the index manifest. */
  readonly modelId: string;
  readonly modelName: string;
  readonly dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
  /** Tokens the model reads for these texts (as embedDocuments cuts them), for usage reports; optional. */
  countTokens?(texts: string[]): Promise<number>;
  close(): Promise<void>;
}
