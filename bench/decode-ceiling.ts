/**
 * The most batching can give on this machine, straight on node-llama-cpp (no Docent code), with
 * every thread: tokens/s decoding
 *   - one sequence, one token per batch (a lone question's decode, logits left out);
 *   - one sequence, four tokens per batch (llama.cpp's own batching gain);
 *   - four sequences, one token each per batch, without and with the next token sampled for each
 *     (what four questions at once on one context need).
 * Four questions at once cannot beat one by more than the last figure: measured here, an output
 * row in a batch of several sequences costs far more than one in a single sequence's batch, which
 * is where the multi-question gain of the middle figures is lost (models/README.md).
 */
import { getLlama, LlamaLogLevel, type ControlledEvaluateInputItem, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { median, round } from './stats.ts';

const TOKENS = 128;
const RUNS = 3;

export async function decodeCeiling(modelPath: string, threads: number): Promise<Record<string, number>> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.warn });
  try {
    const model = await llama.loadModel({ modelPath, useMmap: false });
    const context = await model.createContext({ contextSize: 4 * 1024, sequences: 4, threads });
    const sequences = Array.from({ length: 4 }, () => context.getSequence());
    const text = 'The keeper climbed the stairs of the lighthouse and watched the storm over the harbour. '.repeat(40);
    const tokens = model.tokenize(text).slice(0, TOKENS);
    const item = (t: Token, sample: boolean): ControlledEvaluateInputItem => (sample ? [t, { generateNext: { token: true, options: { temperature: 0 } } }] : t);
    /** Tokens/s of `n` sequences decoding `batch` tokens per step each, sampling the next or not. */
    const rate = async (n: number, batch: number, sample: boolean): Promise<number> => {
      const rates: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await Promise.all(sequences.map((s) => s.clearHistory()));
        const t0 = performance.now();
        const perSequence = n === 1 ? tokens.length : tokens.length / 4;
        await Promise.all(
          sequences.slice(0, n).map(async (s: LlamaContextSequence) => {
            for (let i = 0; i < perSequence; i += batch) await s.controlledEvaluate(tokens.slice(i, i + batch).map((t) => item(t, sample)));
          }),
        );
        rates.push((n === 1 ? tokens.length : perSequence * n) / ((performance.now() - t0) / 1000));
      }
      return median(rates);
    };
    await rate(1, 1, false); // warm-up
    const one = await rate(1, 1, false);
    const four = await rate(1, 4, false);
    const fourSequences = await rate(4, 1, false);
    const oneSampled = await rate(1, 1, true);
    const fourSequencesSampled = await rate(4, 1, true);
    await context.dispose();
    await model.dispose();
    return {
      threads,
      batch1TokensPerSecond: round(one, 1),
      batch4TokensPerSecond: round(four, 1),
      batch4VsBatch1: round(four / one, 2),
      fourSequencesTokensPerSecond: round(fourSequences, 1),
      fourSequencesVsOne: round(fourSequences / one, 2),
      sampledOneSequenceTokensPerSecond: round(oneSampled, 1),
      sampledFourSequencesTokensPerSecond: round(fourSequencesSampled, 1),
      sampledFourSequencesVsOne: round(fourSequencesSampled / oneSampled, 2),
    };
  } finally {
    await llama.dispose();
  }
}
