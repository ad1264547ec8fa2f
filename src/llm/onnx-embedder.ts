/**
 * Embedder adapter: a sentence encoder in ONNX run by onnxruntime-node, tokenised by
 * @huggingface/tokenizers. The model directory layout is described in embedder-manifest.ts.
 *
 * Texts are sorted by length before batching so each padded batch wastes little work, then the
 * vectors are put back in call order. Batches run one at a time (see SerialQueue).
 *
 * The default batch is ONE text per inference run. Measured on 2 vCPUs with the int8 bge-small
 * (~200-token texts, 2 threads): batch 1 = 142 ms/text, batch 8 = 177, batch 32 = 221. And the int8
 * model quantises activations with one scale per batch, so in a batch a text's vector depends on
 * its companions (cosine 0.994 to the same text alone); one at a time is faster and exact: a chunk
 * embeds the same whatever it was ingested with. Larger batches remain available for float models.
 */
import fs from 'node:fs';
import os from 'node:os';
import ort from 'onnxruntime-node';
import type { Embedder } from '../ports/embedder.ts';
import { AppError } from '../errors.ts';
import { logger } from '../log.ts';
import { readEmbedderDir, type EmbedderManifest } from './embedder-manifest.ts';
import { encodeText, toBatch } from './embed-batch.ts';
import { poolHiddenStates } from './pooling.ts';
import { sha256File } from './file-hash.ts';
import { SerialQueue } from './serial-queue.ts';
import { createHfTokenizer, type HfTokenizer } from './hf-tokenizer.ts';

export interface OnnxEmbedderOptions {
  /** Intra-op threads for inference. Default: cores available to the process (config.models.threads). */
  threads?: number;
  /** Texts per inference run. Default 1 (see the header for why). */
  batchSize?: number;
  /**
   * Let the inference threads spin between runs (onnxruntime's default). Right for bulk embedding,
   * where runs follow each other; wrong where a query embedding is followed by generation in the
   * same process: the spinning threads then take the cores from the chat model (measured with
   * bench:answer: first token added 50 ms spinning, 21 ms not). Default true.
   */
  spinWait?: boolean;
}

class OnnxEmbedder implements Embedder {
  private closed = false;
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: HfTokenizer,
    private readonly manifest: EmbedderManifest,
    private readonly padId: number,
    private readonly batchSize: number,
    readonly modelId: string,
    readonly dimensions: number,
  ) {}

  get modelName(): string {
    return this.manifest.name;
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    const prefix = this.manifest.documentPrefix;
    return this.embedTexts(prefix === '' ? texts : texts.map((t) => prefix + t));
  }

  /** Embeds texts as given (prefixes already applied). */
  private async embedTexts(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    // Texts of similar length share a batch (less padding); ordered by characters, so each text is
    // tokenised only just before its own inference: tokenising 32 passages at once held the event
    // loop (the web's, in `npm start`) for 60-100 ms.
    const order = texts.map((_, i) => i).sort((a, b) => (texts[a]?.length ?? 0) - (texts[b]?.length ?? 0));
    const out = new Array<number[]>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const idx = order.slice(start, start + this.batchSize);
      const vectors = await this.queue.run(() => this.infer(idx.map((i) => encodeText(this.tokenizer, texts[i] ?? '', this.manifest.maxTokens))));
      idx.forEach((i, k) => (out[i] = vectors[k] ?? []));
    }
    return out;
  }

  countTokens(texts: string[]): Promise<number> {
    return Promise.resolve(texts.reduce((n, t) => n + encodeText(this.tokenizer, t, this.manifest.maxTokens).length, 0));
  }

  async embedQuery(text: string): Promise<number[]> {
    const [v] = await this.embedTexts([this.manifest.queryPrefix + text]);
    return v ?? [];
  }

  private async infer(encoded: number[][]): Promise<number[][]> {
    if (this.closed) throw new AppError('embedder is closed', { code: 'closed' });
    const b = toBatch(encoded, this.padId);
    const dims = [b.batch, b.seqLen];
    const all: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', b.inputIds, dims),
      attention_mask: new ort.Tensor('int64', b.attentionMask, dims),
      token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, dims),
    };
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const t = all[name];
      if (!t) throw new AppError(`embedding model wants an unsupported input "${name}"`, { code: 'model_invalid' });
      feeds[name] = t;
    }
    const results = await this.session.run(feeds);
    const output = results[this.session.outputNames[0] ?? ''];
    if (!output) throw new AppError('embedding model returned no output', { code: 'model_invalid' });
    const data = output.data as Float32Array;
    if (output.dims.length === 2) {
      // Already pooled (a sentence_embedding output): one row per text.
      const h = Number(output.dims[1]);
      return poolHiddenStates(data, new Array<number>(b.batch).fill(1), { batch: b.batch, seqLen: 1, hidden: h }, 'cls');
    }
    const shape = { batch: b.batch, seqLen: Number(output.dims[1]), hidden: Number(output.dims[2]) };
    return poolHiddenStates(data, b.attentionMask, shape, this.manifest.pooling);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // Let a batch already running finish before the native session goes away.
    return this.queue.run(() => this.session.release());
  }
}

/** Loads an embedder from a model directory (EMBED_MODEL). Throws naming `npm run models:pull` when files are missing. */
export async function createOnnxEmbedder(dir: string, opts: OnnxEmbedderOptions = {}): Promise<Embedder> {
  const log = logger('embedder', { dir });
  const files = readEmbedderDir(dir);
  if (!files.manifestFound) log.warn({ manifest: files.manifest }, 'no docent-embedder.json; settings inferred from the directory name');
  const tokenizer = createHfTokenizer(readJsonObject(files.tokenizer), files.tokenizerConfig ? readJsonObject(files.tokenizerConfig) : {});
  const padId = tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;

  const threads = Math.max(1, opts.threads ?? os.availableParallelism());
  const session = await ort.InferenceSession.create(files.model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(opts.spinWait === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  });
  try {
    const modelId = (await sha256File(files.model)).slice(0, 16);
    const dimensions = outputWidth(session) ?? files.manifest.dimensions;
    if (dimensions === undefined) throw new AppError(`cannot tell the output width of ${files.model}`, { code: 'model_invalid' });
    if (files.manifest.dimensions !== undefined && files.manifest.dimensions !== dimensions) {
      throw new AppError(
        `${files.model} outputs ${dimensions} dimensions but docent-embedder.json says ${files.manifest.dimensions}`,
        { code: 'model_invalid' },
      );
    }
    const embedder = new OnnxEmbedder(session, tokenizer, files.manifest, padId, Math.max(1, opts.batchSize ?? 1), modelId, dimensions);
    log.info({ model: files.manifest.name, modelId, dimensions, threads }, 'embedder loaded');
    return embedder;
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** The hidden size from the model's declared output shape (last axis), when it is static. */
function outputWidth(session: ort.InferenceSession): number | undefined {
  const meta = session.outputMetadata[0];
  if (!meta?.isTensor) return undefined;
  const last = meta.shape[meta.shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

function readJsonObject(file: string): object {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (v && typeof v === 'object') return v;
  } catch (err) {
    throw new AppError(`${file} is not valid JSON`, { code: 'model_invalid', cause: err });
  }
  throw new AppError(`${file} does not hold a JSON object`, { code: 'model_invalid' });
}
