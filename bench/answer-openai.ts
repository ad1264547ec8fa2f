/**
 * The OpenAI path of `npm run bench:answer`: the same question with the same settings asked over
 * POST /api/ask (SSE) and over POST /v1/chat/completions (`stream: true`), alternating which goes
 * first, on the same running service. Both reach the same worker, so the difference is what the
 * OpenAI layer adds: its request mapping, chunk formatting and the final chunk with sources and
 * usage. Reports the p50 totals and first tokens, the median of the paired total ratios (goal at
 * most 1.02) and the added time to the first token (goal at most 10 ms).
 */
import type { Settings } from '../src/contracts/settings.ts';
import { median, round } from './stats.ts';

export interface PathTiming {
  totalMs: number;
  firstTokenMs: number;
  answer: string;
}

/** One streamed completion over /v1/chat/completions: time to the first content and to [DONE]. */
export async function askOpenAi(base: string, settings: Settings, question: string): Promise<PathTiming> {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({
      model: 'docent',
      stream: true,
      messages: [{ role: 'user', content: question }],
      temperature: settings.temperature,
      top_p: settings.topP,
      top_k: settings.topK,
      max_tokens: settings.maxTokens,
      seed: settings.seed,
      k: settings.k,
    }),
  });
  if (res.status !== 200 || !res.body) throw new Error(`POST /v1/chat/completions answered ${res.status}: ${await res.text()}`);
  let firstTokenMs = NaN;
  let answer = '';
  let buffered = '';
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 2);
      if (!line.startsWith('data: ')) continue;
      const data = line.slice(6);
      if (data === '[DONE]') return { totalMs: performance.now() - t0, firstTokenMs, answer };
      const parsed = JSON.parse(data) as { error?: unknown; choices?: Array<{ delta?: { content?: string } }> };
      if (parsed.error) throw new Error(`completion failed: ${data}`);
      const text = parsed.choices?.[0]?.delta?.content ?? '';
      if (text && Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - t0;
      answer += text;
    }
  }
  throw new Error('the completion stream ended without [DONE]');
}

export async function benchOpenAiPath(
  ask: () => Promise<PathTiming>,
  openAi: () => Promise<PathTiming>,
  runs: number,
): Promise<Record<string, unknown>> {
  // Warm both paths once.
  await ask();
  await openAi();
  const api: PathTiming[] = [];
  const oa: PathTiming[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      api.push(await ask());
      oa.push(await openAi());
    } else {
      oa.push(await openAi());
      api.push(await ask());
    }
  }
  const p50 = (xs: PathTiming[], k: keyof Omit<PathTiming, 'answer'>) => median(xs.map((x) => x[k]));
  return {
    runs,
    apiAskTotalMsP50: round(p50(api, 'totalMs'), 1),
    openAiTotalMsP50: round(p50(oa, 'totalMs'), 1),
    ratioTotalPairedMedian: round(median(oa.map((x, i) => x.totalMs / api[i]!.totalMs))),
    apiAskFirstTokenMsP50: round(p50(api, 'firstTokenMs'), 1),
    openAiFirstTokenMsP50: round(p50(oa, 'firstTokenMs'), 1),
    firstTokenAddedMs: round(median(oa.map((x, i) => x.firstTokenMs - api[i]!.firstTokenMs)), 1),
    sameAnswer: oa.every((x) => x.answer.trim().slice(0, 80) === oa[0]!.answer.trim().slice(0, 80)),
    goals: { ratioTotalPairedMedian: '<= 1.02', firstTokenAddedMs: '<= 10' },
  };
}
