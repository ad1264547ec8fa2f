/**
 * ChatModel adapter on node-llama-cpp 3 (GGUF, CPU only).
 *
 * Ownership (node-llama-cpp's object lifecycle): this adapter owns one `Llama` (gpu: false), one
 * model and one or more contexts on it (context-layout.ts) holding `sequences` sequences in all. A
 * sequence is leased for each generate() call, from the least busy context, and returned
 * afterwards, aborted or not; callers beyond the sequence count wait (LeasePool).
 * A sequence keeps its KV cache between calls, so a prompt that starts like the previous one
 * (same system prompt) only evaluates the new part.
 *
 * Threads are always set explicitly: node-llama-cpp's default on a 2-vCPU machine is far too high
 * (DESIGN.md section 5); see models/README.md for the 1- vs 2-thread figures measured here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper, type ChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { replyRoom, type ChatMessage, type ChatModel, type GenerateOptions, type Generation } from '../ports/chat-model.ts';
import { AppError, InvalidInputError } from '../errors.ts';
import { logger, type Logger } from '../log.ts';
import { LeasePool } from './lease-pool.ts';
import { chooseSequence, planContexts } from './context-layout.ts';
import { toChatHistory, toSamplingOptions } from './llama-options.ts';
import { contextOptions, type KvCacheType } from './context-options.ts';

export interface LlamaChatModelOptions {
  /** Path of a GGUF file (CHAT_MODEL). */
  modelPath: string;
  /** CPU threads for evaluation (config.models.threads); never node-llama-cpp's default. */
  threads: number;
  /** Tokens per sequence (LLM_CONTEXT_SIZE). */
  contextSize: number;
  /** Generations that can run at once (LLM_SEQUENCES). */
  sequences: number;
  /** Contexts to spread them over; 0 = one per thread (LLM_CONTEXTS, context-layout.ts). */
  contexts?: number;
  /** KV cache element type (LLM_KV_CACHE_TYPE); default f16 (context-options.ts). */
  kvCacheType?: KvCacheType;
  /** Tokens per decode (LLM_BATCH_SIZE); 0 or unset = the context size. */
  batchSize?: number;
  /** Map the file rather than read it (LLM_MMAP); default false. */
  mmap?: boolean;
}

/** A leased sequence and the context it belongs to (to spread callers over contexts). */
interface Slot {
  sequence: LlamaContextSequence;
  context: number;
}

class LlamaChatModel implements ChatModel {
  readonly name: string;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly contexts: LlamaContext[],
    private readonly chatWrapper: ChatWrapper,
    private readonly pool: LeasePool<Slot>,
    private readonly log: Logger,
    modelPath: string,
    readonly sequences: number,
    private readonly sizes: number[],
  ) {
    this.name = path.basename(modelPath).replace(/\.gguf$/i, '');
  }

  /** Tokens one sequence holds (every context is created with the same size). */
  get contextSize(): number {
    return this.contexts[0]?.contextSize ?? 0;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  async generate(messages: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    const started = performance.now();
    if (this.closing) throw new AppError('the chat model is closed', { code: 'closed', retryable: true });
    const history = toChatHistory(messages);
    const prompt = this.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer);
    const promptTokens = prompt.length;
    const room = this.contextSize - promptTokens;
    if (room < 1) {
      throw new InvalidInputError(`the prompt is ${promptTokens} tokens; the context holds ${this.contextSize}`, { code: 'prompt_too_long' });
    }
    // Generation stops at the end of the context rather than shifting it, which would silently
    // drop the start of the prompt (the system prompt and the sources).
    const sampling = toSamplingOptions(opts.settings, replyRoom(opts.settings.maxTokens, this.contextSize, promptTokens));
    opts.onPrompt?.(promptTokens);

    const slot = await this.pool.acquire(opts.signal, this.pickFor(prompt));
    const chat = new LlamaChat({ contextSequence: slot.sequence, chatWrapper: this.chatWrapper, autoDisposeSequence: false });
    let firstTokenMs: number | undefined;
    let completionTokens = 0;
    try {
      const res = await chat.generateResponse(history, {
        ...sampling,
        signal: opts.signal,
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
        onTextChunk: (text) => {
          firstTokenMs ??= performance.now() - started;
          opts.onText?.(text);
        },
      });
      const ms = performance.now() - started;
      this.log.debug({ promptTokens, completionTokens, ms: Math.round(ms), stop: res.metadata.stopReason }, 'generated');
      return { text: res.response, promptTokens, completionTokens, firstTokenMs: firstTokenMs ?? ms };
    } finally {
      chat.dispose({ disposeSequence: false });
      this.pool.release(slot);
    }
  }

  /**
   * Among the free sequences of the least busy contexts, the one whose KV cache already holds the
   * longest start of this prompt: node-llama-cpp then evaluates only the rest (a chat's follow-up
   * lands where its earlier turns are; any question reuses the system prompt).
   */
  private pickFor(prompt: readonly Token[]): (free: readonly Slot[]) => number {
    return (free) => chooseSequence(this.sizes, free.map((s) => ({ context: s.context, cached: s.sequence.contextTokens })), prompt);
  }

  /** Disposes context, model and llama in that order; a failing step does not skip the rest. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.pool.close();
      const steps: [string, () => Promise<void>][] = [
        ...this.contexts.map((c, i): [string, () => Promise<void>] => [`context ${i}`, () => c.dispose()]),
        ['model', () => this.model.dispose()],
        ['llama', () => this.llama.dispose()],
      ];
      for (const [what, dispose] of steps) {
        try {
          await dispose();
        } catch (err) {
          this.log.error({ err }, `disposing the ${what} failed`);
        }
      }
    })();
    return this.closing;
  }
}

/** Loads a GGUF chat model; throws naming `npm run models:pull` when the file is missing. */
export async function createLlamaChatModel(opts: LlamaChatModelOptions): Promise<ChatModel> {
  const log = logger('chat-model', { model: opts.modelPath });
  if (!fs.existsSync(opts.modelPath)) {
    throw new AppError(
      `chat model not found: ${opts.modelPath}. Run \`npm run models:pull\` to download the default ` +
        '(Llama-3.2-1B-Instruct Q4_K_M), or point CHAT_MODEL at a GGUF file (see models/README.md).',
      { code: 'model_missing' },
    );
  }
  const threads = Math.max(1, opts.threads);
  const llama = await getLlama({
    gpu: false,
    // Prebuilt CPU binaries arrive as npm packages; never try to download or compile llama.cpp.
    build: 'never',
    maxThreads: threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => logNative(log, level, message),
  });
  let model: LlamaModel | undefined;
  try {
    // Read, not mapped, by default: CPU builds repack the weights into their own buffers (AMX,
    // CPU_REPACK), and a mapped file stays resident beside that copy (measured: +75 MB RSS for a
    // 98 MB model).
    model = await llama.loadModel({ modelPath: opts.modelPath, useMmap: opts.mmap ?? false });
    const kv = opts.kvCacheType ?? 'f16';
    const plan = planContexts(threads, opts.sequences, opts.contexts ?? 0);
    const contexts: LlamaContext[] = [];
    const slots: Slot[] = [];
    const settings = { contextSize: opts.contextSize, batchSize: opts.batchSize ?? 0, kvCacheType: kv, threads, contexts: plan.length };
    for (const [i, p] of plan.entries()) {
      const context = await model.createContext(contextOptions(settings, p));
      contexts.push(context);
      for (let k = 0; k < p.sequences; k++) slots.push({ sequence: context.getSequence(), context: i });
    }
    const chatWrapper = resolveChatWrapper(model);
    log.info(
      {
        threads,
        contexts: plan,
        contextSize: contexts[0]?.contextSize,
        batchSize: contexts[0]?.batchSize,
        kvCacheType: kv,
        sequences: opts.sequences,
        chatWrapper: chatWrapper.wrapperName,
      },
      'chat model loaded',
    );
    const sizes = plan.map((p) => p.sequences);
    return new LlamaChatModel(llama, model, contexts, chatWrapper, new LeasePool(slots), log, opts.modelPath, opts.sequences, sizes);
  } catch (err) {
    await model?.dispose().catch(() => undefined);
    await llama.dispose().catch(() => undefined);
    throw new AppError(`could not load the chat model ${opts.modelPath}: ${err instanceof Error ? err.message : String(err)}`, {
      code: 'model_invalid',
      cause: err,
    });
  }
}



function logNative(log: Logger, level: LlamaLogLevel, message: string): void {
  const text = message.trim();
  if (!text) return;
  if (level === LlamaLogLevel.fatal || level === LlamaLogLevel.error) log.error(text);
  else if (level === LlamaLogLevel.warn) log.warn(text);
  else log.debug(text);
}
