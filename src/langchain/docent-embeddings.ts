/**
 * Docent's embedder as LangChain `Embeddings`: the same model, pooling and normalisation that built
 * a Docent index, so vectors made in a LangChain pipeline compare with the index's (cosine = inner
 * product, unit vectors). Wraps any Docent `Embedder`, or loads the ONNX model directory Docent
 * uses (EMBED_MODEL) in this process.
 */
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { createOnnxEmbedder, type OnnxEmbedderOptions } from '../llm/onnx-embedder.ts';
import type { Embedder } from '../ports/embedder.ts';

export class DocentEmbeddings extends Embeddings {
  /**
   * Loads the ONNX embedder from a model directory (model.onnx, tokenizer.json,
   * docent-embedder.json), e.g. Docent's models/bge-small-en-v1.5-q. Call `close()` when done.
   */
  static async fromModelDir(dir: string, options: OnnxEmbedderOptions & EmbeddingsParams = {}): Promise<DocentEmbeddings> {
    const { threads, batchSize, spinWait, ...params } = options;
    const embedder = await createOnnxEmbedder(dir, {
      ...(threads !== undefined ? { threads } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(spinWait !== undefined ? { spinWait } : {}),
    });
    return new DocentEmbeddings(embedder, params);
  }

  /**
   * `params` are LangChain's call options (maxConcurrency, maxRetries); retries default to none,
   * as a local model that failed once fails the same way again.
   */
  constructor(
    private readonly embedder: Embedder,
    params: EmbeddingsParams = {},
  ) {
    super({ maxRetries: 0, ...params });
  }

  /** The model's identity as recorded in a Docent index manifest (sha256 of the file, 16 hex). */
  get modelId(): string {
    return this.embedder.modelId;
  }

  get dimensions(): number {
    return this.embedder.dimensions;
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.caller.call(() => this.embedder.embedDocuments(texts));
  }

  embedQuery(text: string): Promise<number[]> {
    return this.caller.call(() => this.embedder.embedQuery(text));
  }

  /** Releases the model. */
  close(): Promise<void> {
    return this.embedder.close();
  }
}
