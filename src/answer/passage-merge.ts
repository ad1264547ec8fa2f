/**
 * Merges retrieved chunks that overlap in their document: chunks are cut with an overlap (150
 * characters by default), so two neighbours retrieved together would send that overlap twice.
 * Chunks of the same document and page whose character ranges overlap or touch become one passage
 * whose text is the page text over the union of their ranges (chunk text is exactly
 * `pageText.slice(start, end)`, so the union is rebuilt from the chunks alone, without the page).
 *
 * The merged passage takes the place of its best-ranked member, keeps that member's chunkId (the
 * key the UI opens the passage by) and score, and the heading path of its earliest member; its
 * start/end span the union, so the passage view still highlights it by offsets. Chunks of other
 * documents or pages, and chunks with a gap between them, are left as they are.
 */
import type { SearchHit } from '../ports/vector-store.ts';

export function mergeOverlappingHits(hits: readonly SearchHit[]): SearchHit[] {
  // Groups of hit indices that form one passage, found by sweeping each page's hits by start.
  const byPage = new Map<string, number[]>();
  hits.forEach((h, i) => {
    const key = `${h.documentId}\u0000${h.page ?? ''}`;
    const list = byPage.get(key);
    if (list) list.push(i);
    else byPage.set(key, [i]);
  });
  const groupOf = new Map<number, number[]>();
  for (const members of byPage.values()) {
    const sorted = [...members].sort((a, b) => hits[a]!.start - hits[b]!.start || hits[b]!.end - hits[a]!.end);
    let group: number[] = [];
    let groupEnd = -1;
    for (const i of sorted) {
      const h = hits[i]!;
      if (group.length > 0 && h.start <= groupEnd) {
        group.push(i);
        groupEnd = Math.max(groupEnd, h.end);
      } else {
        group = [i];
        groupEnd = h.end;
      }
      groupOf.set(i, group);
    }
  }
  const out: SearchHit[] = [];
  const done = new Set<number[]>();
  // Input order is rank order: a group appears where its first (best-ranked) member was.
  hits.forEach((_, i) => {
    const group = groupOf.get(i)!;
    if (done.has(group)) return;
    done.add(group);
    out.push(group.length === 1 ? hits[i]! : mergeGroup(hits, group, i));
  });
  return out;
}

/** One passage from the members of a group (indices sorted by start), led by hit `best`. */
function mergeGroup(hits: readonly SearchHit[], group: readonly number[], best: number): SearchHit {
  const first = hits[group[0]!]!;
  let text = first.text;
  let end = first.end;
  for (const i of group.slice(1)) {
    const h = hits[i]!;
    if (h.end <= end) continue; // contained in what is already there
    text += h.text.slice(end - h.start);
    end = h.end;
  }
  const lead = hits[best]!;
  const score = Math.max(...group.map((i) => hits[i]!.score));
  return { ...lead, text, start: first.start, end, score, headingPath: first.headingPath ?? null };
}
