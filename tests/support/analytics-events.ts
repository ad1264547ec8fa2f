/**
 * A deterministic stream of analytics events for exactness tests and the analytics benchmark:
 * qa events (key = chat id) and votes (key = answer id), with duplicates (the same event id sent
 * again, as a producer retry would) and re-votes (a later vote that replaces the earlier one),
 * plus the figures a correct store must end with.
 */
import { EVENT_VERSION, type QaEvent, type VoteEvent } from '../../src/contracts/analytics.ts';
import { TOPICS } from '../../src/contracts/names.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';

export interface StreamRecord {
  topic: typeof TOPICS.qa | typeof TOPICS.votes;
  key: string;
  value: QaEvent | VoteEvent;
}

export interface EventStream {
  records: StreamRecord[];
  expected: { answers: number; up: number; down: number; distinctEvents: number };
}

/** `answers` qa events; every 10th is sent twice; every 2nd answer is voted, every 6th re-voted, every 20th vote sent twice. */
export function eventStream(answers: number, opts: { runId: string; at?: number } = { runId: 'r' }): EventStream {
  const at = opts.at ?? Date.now();
  const records: StreamRecord[] = [];
  const finalVote = new Map<string, 'up' | 'down'>();
  let distinct = 0;
  for (let i = 0; i < answers; i++) {
    const answerId = `${opts.runId}-a${i}`;
    const chatId = `${opts.runId}-c${i % 50}`;
    const qa: QaEvent = {
      v: EVENT_VERSION,
      eventId: `${opts.runId}-qa${i}`,
      answerId,
      chatId,
      question: i % 3 === 0 ? 'Is the guide good?' : 'Why is the install so bad?',
      answer: 'It is clear and helpful, though one step is confusing.',
      sources: [{ documentId: 'd1', documentName: 'guide.pdf', page: 1 }],
      settings: DEFAULT_SETTINGS,
      model: 'bench-model',
      worker: `w${i % 3}`,
      timings: { queueWaitMs: i % 17, retrievalMs: 10 + (i % 23), firstTokenMs: 100 + (i % 97), generationMs: 500 + (i % 301), totalMs: 700 + (i % 409) },
      tokens: { prompt: 100, completion: 20 + (i % 40) },
      at: at - (answers - i),
    };
    records.push({ topic: TOPICS.qa, key: chatId, value: qa });
    distinct++;
    if (i % 10 === 0) records.push({ topic: TOPICS.qa, key: chatId, value: qa });
    if (i % 2 === 0) {
      const first: VoteEvent = { v: EVENT_VERSION, eventId: `${opts.runId}-v${i}`, answerId, vote: i % 4 === 0 ? 'up' : 'down', at: qa.at + 10 };
      records.push({ topic: TOPICS.votes, key: answerId, value: first });
      distinct++;
      finalVote.set(answerId, first.vote);
      if (i % 20 === 0) records.push({ topic: TOPICS.votes, key: answerId, value: first });
      if (i % 6 === 0) {
        const again: VoteEvent = { ...first, eventId: `${opts.runId}-v${i}b`, vote: first.vote === 'up' ? 'down' : 'up', at: first.at + 10 };
        records.push({ topic: TOPICS.votes, key: answerId, value: again });
        distinct++;
        finalVote.set(answerId, again.vote);
      }
    }
  }
  let up = 0;
  for (const v of finalVote.values()) if (v === 'up') up++;
  return { records, expected: { answers, up, down: finalVote.size - up, distinctEvents: distinct } };
}
