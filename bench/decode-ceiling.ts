/**
 * The most batching can give on this machine: llama.cpp decoding a sequence's tokens one per
 * batch against four per batch, with every thread, straight on node-llama-cpp (no sampling, no
 * Docent code). Four questions at once on one worker decode batches of four tokens, so their
 * aggregate rate cannot beat one question's by more than this ratio unless a lone question leaves
 * cores idle.
 */
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { round } from './stats.ts';

const TOKENS = 128;

export async function decodeCeiling(modelPath: string, threads: number): Promise<Record<string, number>> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.warn });
  try {
    const model = await llama.loadModel({ modelPath, useMmap: false });
    const context = await model.createContext({ contextSize: 1024, sequences: 1, threads });
    const sequence = context.getSequence();
    const text = 'The keeper climbed the stairs of the lighthouse and watched the storm over the harbour. '.repeat(40);
    const tokens = model.tokenize(text).slice(0, TOKENS);
    const rate = async (batch: number): Promise<number> => {
      const rates: number[] = [];
      for (let run = 0; run < 3; run++) {
        await sequence.clearHistory();
        const t0 = performance.now();
        for (let i = 0; i < tokens.length; i += batch) await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(i, i + batch));
        rates.push(tokens.length / ((performance.now() - t0) / 1000));
      }
      return rates.sort((a, b) => a - b)[1]!;
    };
    await rate(1); // warm-up
    const one = await rate(1);
    const four = await rate(4);
    await context.dispose();
    await model.dispose();
    return { threads, batch1TokensPerSecond: round(one, 1), batch4TokensPerSecond: round(four, 1), batch4VsBatch1: round(four / one, 2) };
  } finally {
    await llama.dispose();
  }
}
