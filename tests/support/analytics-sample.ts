/**
 * A realistic analytics store for page tests and screenshots: a day of answers with varied latency,
 * sentiment, votes and re-votes, so every chart and table has something to show.
 */
import { openAnalyticsStore, type AnalyticsStore, type BatchItem } from '../../src/analytics/store.ts';
import { EVENT_VERSION } from '../../src/contracts/analytics.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';

const QUESTIONS = [
  'How do I reset my password?',
  'Why is the installer so slow and confusing?',
  'What does the warranty cover?',
  'Is the <b>backup</b> feature reliable?',
  '=SUM(A1:A9) what happens here?',
];

export function sampleAnalyticsStore(now: number, answers = 400): AnalyticsStore {
  const store = openAnalyticsStore(':memory:');
  const items: BatchItem[] = [];
  let s = 42;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < answers; i++) {
    const at = Math.round(now - r() * 86_400_000);
    const gen = 400 + r() * r() * 6000;
    const ttf = 150 + r() * 900;
    const a = Math.round((r() * 1.2 - 0.4) * 100) / 100;
    const offset = { topic: 'qa', partition: 0, offset: String(i) };
    items.push({
      kind: 'qa',
      event: {
        v: EVENT_VERSION, eventId: `qa-${i}`, answerId: `ans-${i}`, chatId: `c-${i % 7}`, question: QUESTIONS[i % QUESTIONS.length]!,
        answer: `Answer ${i}: follow the steps in the guide [1].\nSecond paragraph with "quotes" & <tags>.`,
        sources: [{ documentId: 'd1', documentName: 'user-guide.pdf', page: 1 + (i % 9) }], settings: DEFAULT_SETTINGS, model: 'llama-3.2-1b-q4', worker: `worker-${i % 3}`,
        timings: { queueWaitMs: r() * 80, retrievalMs: 15 + r() * 60, firstTokenMs: ttf, generationMs: gen, totalMs: ttf + gen + 30 },
        tokens: { prompt: 400, completion: Math.round((gen / 1000) * (12 + r() * 30)) }, at,
      },
      scored: { question: { score: 0, comparative: Math.round((r() * 0.8 - 0.4) * 100) / 100 }, answer: { score: 2, comparative: a } },
      offset,
    });
    if (r() < 0.55) items.push({ kind: 'vote', event: { v: EVENT_VERSION, eventId: `v-${i}`, answerId: `ans-${i}`, vote: r() < 0.45 + a ? 'up' : 'down', at: at + 5000 }, offset: { ...offset, topic: 'votes' } });
  }
  store.applyBatch(items);
  return store;
}
