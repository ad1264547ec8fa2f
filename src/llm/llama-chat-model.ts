/**
 * ChatModel adapter on node-llama-cpp 3 (GGUF, CPU only).
 *
 * Ownership (node-llama-cpp's object lifecycle): this adapter owns one `Llama` (gpu: false), one
 * model and one context with `sequences` sequences. A sequence is leased for each generate() call
 * and returned afterwards, aborted or not; callers beyond the sequence count wait (LeasePool).
 * A sequence keeps its KV cache between calls, so a prompt that starts like the previous one
 * (same system prompt) only evaluates the new part.
 *
 * Threads are always set explicitly: node-llama-cpp's default on a 2-vCPU machine is far too high
 * (DESIGN.md section 5); see models/README.md for the 1- vs 2-thread figures measured here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper, type ChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import type { ChatMessage, ChatModel, GenerateOptions, Generation } from '../ports/chat-model.ts';
import { AppError, InvalidInputError } from '../errors.ts';
import { logger, type Logger } from '../log.ts';
import { LeasePool } from './lease-pool.ts';
import { toChatHistory, toSamplingOptions } from './llama-options.ts';

export interface LlamaChatModelOptions {
  /** Path of a GGUF file (CHAT_MODEL). */
  modelPath: string;
  /** CPU threads for evaluation (config.models.threads); never node-llama-cpp's default. */
  threads: number;
  /** Tokens per sequence (LLM_CONTEXT_SIZE). */
  contextSize: number;
  /** Generations that can run at once (LLM_SEQUENCES). */
  sequences: number;
}

class LlamaChatModel implements ChatModel {
  readonly name: string;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatWrapper: ChatWrapper,
    private readonly pool: LeasePool<LlamaContextSequence>,
    private readonly log: Logger,
    modelPath: string,
    readonly sequences: number,
  ) {
    this.name = path.basename(modelPath).replace(/\.gguf$/i, '');
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  async generate(messages: ChatMessage[], opts: GenerateOptions): Promise<Generation> {
    const started = performance.now();
    if (this.closing) throw new AppError('the chat model is closed', { code: 'closed', retryable: true });
    const history = toChatHistory(messages);
    const promptTokens = this.chatWrapper
      .generateContextState({ chatHistory: history })
      .contextText.tokenize(this.model.tokenizer).length;
    const room = this.contextSize - promptTokens;
    if (room < 1) {
      throw new InvalidInputError(`the prompt is ${promptTokens} tokens; the context holds ${this.contextSize}`, { code: 'prompt_too_long' });
    }
    // Generation stops at the end of the context rather than shifting it, which would silently
    // drop the start of the prompt (the system prompt and the sources).
    const sampling = toSamplingOptions(opts.settings, Math.min(opts.settings.maxTokens, room));

    const sequence = await this.pool.acquire(opts.signal);
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: this.chatWrapper, autoDisposeSequence: false });
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
      this.pool.release(sequence);
    }
  }

  /** Disposes context, model and llama in that order; a failing step does not skip the rest. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.pool.close();
      for (const [what, dispose] of [
        ['context', () => this.context.dispose()],
        ['model', () => this.model.dispose()],
        ['llama', () => this.llama.dispose()],
      ] as const) {
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
    model = await llama.loadModel({ modelPath: opts.modelPath });
    const context = await model.createContext({ contextSize: opts.contextSize, sequences: opts.sequences, threads });
    const sequences = Array.from({ length: opts.sequences }, () => context.getSequence());
    const chatWrapper = resolveChatWrapper(model);
    log.info(
      { threads, contextSize: context.contextSize, sequences: opts.sequences, chatWrapper: chatWrapper.wrapperName },
      'chat model loaded',
    );
    return new LlamaChatModel(llama, model, context, chatWrapper, new LeasePool(sequences), log, opts.modelPath, opts.sequences);
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
