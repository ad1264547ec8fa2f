/**
 * The quality reads of the analytics store (what a document owner acts on):
 * - knowledge gaps: the questions of a range answered with a refusal, or whose best retrieval
 *   similarity was below `minSimilarity` (default DEFAULT_GAP_SIMILARITY), the newest GAP_LIMIT of
 *   them grouped by wording (./question-groups.ts), at most MAX_GROUPS groups, largest first;
 * - citations per document: how many answers of the range cite each document (`answer_citations`);
 * - down-voted answers of the range with their sources, the most recently down-voted first, paged.
 * With a scope (a collection id or `user:<id>`, contracts/analytics-scope.ts) only the answers in
 * it count, read through `answer_collections` as the other reads do.
 */
import type Database from 'better-sqlite3';
import { DEFAULT_GAP_SIMILARITY, DOWNVOTED_PAGE_SIZE, type AnalyticsQualityData, type DownvotedAnswer, type QualityQuery } from '../contracts/analytics-quality.ts';
import type { AnalyticsRange } from '../contracts/analytics-summary.ts';
import { groupQuestions } from './question-groups.ts';
import { rangeStart } from './range.ts';

/** Gap questions grouped per read (the newest); the count says how many there were in all. */
export const GAP_LIMIT = 5000;
/** Groups returned. */
export const MAX_GROUPS = 100;

/** The answers of the scope in the range: a subquery on the answer_collections index. */
const IN_SCOPE = `(? IS NULL OR a.answer_id IN (SELECT c.answer_id FROM answer_collections c WHERE c.collection_id = ? AND c.at >= ?))`;

export function qualityQueries(db: Database.Database): (range: AnalyticsRange, query: QualityQuery, now: number, scope?: string) => AnalyticsQualityData {
  const GAP = `a.at >= ? AND (a.refused = 1 OR a.best_similarity < ?) AND ${IN_SCOPE}`;
  const gapCount = db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM answers a WHERE ${GAP}`);
  const gapRows = db.prepare<unknown[], { question: string; at: number; refused: number; similarity: number | null }>(
    `SELECT a.question, a.at, a.refused, a.best_similarity AS similarity FROM answers a WHERE ${GAP} ORDER BY a.at DESC LIMIT ${GAP_LIMIT}`,
  );
  const cited = db.prepare<unknown[], { documentId: string; documentName: string; citations: number; lastAt: number }>(
    // document_name is read from the row of max(at): the name of its latest citation.
    `SELECT a.document_id AS documentId, a.document_name AS documentName, count(*) AS citations, max(a.at) AS lastAt
       FROM answer_citations a WHERE a.at >= ? AND ${IN_SCOPE}
      GROUP BY a.document_id ORDER BY citations DESC, lastAt DESC, documentId`,
  );
  const DOWN = `FROM votes v JOIN answers a ON a.answer_id = v.answer_id WHERE v.vote = 'down' AND a.at >= ? AND ${IN_SCOPE}`;
  const downCount = db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n ${DOWN}`);
  const downRows = db.prepare<unknown[], { answerId: string; at: number; votedAt: number; question: string; answer: string; sources: string }>(
    `SELECT a.answer_id AS answerId, a.at, v.at AS votedAt, a.question, a.answer, a.sources ${DOWN}
      ORDER BY v.at DESC, a.answer_id DESC LIMIT ? OFFSET ?`,
  );

  return (range, query, now, scope) => {
    const since = rangeStart(range, now);
    const s = [scope ?? null, scope ?? null, since];
    const minSimilarity = query.minSimilarity ?? DEFAULT_GAP_SIMILARITY;
    const page = query.page ?? 1;
    const gaps = gapRows.all(since, minSimilarity, ...s).map((r) => ({ question: r.question, at: r.at, refused: r.refused === 1, similarity: r.similarity }));
    return {
      range,
      scope: scope ?? null,
      minSimilarity,
      gaps: { questions: gapCount.get(since, minSimilarity, ...s)!.n, grouped: gaps.length, groups: groupQuestions(gaps).slice(0, MAX_GROUPS) },
      cited: cited.all(since, ...s),
      downvoted: {
        total: downCount.get(since, ...s)!.n,
        page,
        pageSize: DOWNVOTED_PAGE_SIZE,
        answers: downRows.all(since, ...s, DOWNVOTED_PAGE_SIZE, (page - 1) * DOWNVOTED_PAGE_SIZE).map((r) => ({ ...r, sources: sourcesOf(r.sources) })),
      },
    };
  };
}

/** The stored sources as the review list shows them (name, page, cited). */
function sourcesOf(text: string): DownvotedAnswer['sources'] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return v.flatMap((s: unknown) => {
    if (typeof s !== 'object' || s === null) return [];
    const o = s as Record<string, unknown>;
    if (typeof o.documentId !== 'string' || typeof o.documentName !== 'string') return [];
    const page = typeof o.page === 'number' && Number.isInteger(o.page) ? o.page : null;
    return [{ documentId: o.documentId, documentName: o.documentName, page, ...(typeof o.cited === 'boolean' ? { cited: o.cited } : {}) }];
  });
}
