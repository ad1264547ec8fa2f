// Citations on the Ask page (the same as templates/chat.ts renders for a reopened chat): the [n]
// markers of an answer as links to their passages, a citation the worker's check doubts styled
// and titled UNSUPPORTED_TITLE, and each source's cited / not cited / unsupported label. Model
// output is untrusted: text nodes and textContent only, never HTML.

// Citation checks (templates/chat.ts writes the same): the link title of an unsupported one.
const UNSUPPORTED_TITLE = 'this source may not support the sentence';
// The [n] markers as src/contracts/citations.ts reads them: [1], [1, 2], [1-3].
const MARKER = /\[(\d{1,4}(?:\s*(?:[,;]|-|–)\s*\d{1,4})*)\]/g;

export function sourceHref(s, answerId) {
  const answer = answerId ? `&answer=${encodeURIComponent(answerId)}` : '';
  return `/documents/${encodeURIComponent(s.documentId)}/view?chunk=${encodeURIComponent(s.chunkId)}${answer}`;
}

function markerNumbers(inner) {
  const out = [];
  for (const part of inner.split(/\s*[,;]\s*/)) {
    const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(part);
    if (range && Number(range[2]) >= Number(range[1]) && Number(range[2]) - Number(range[1]) < 20) {
      for (let i = Number(range[1]); i <= Number(range[2]); i++) out.push(i);
    } else if (range) out.push(Number(range[1]), Number(range[2]));
    else out.push(Number(part));
  }
  return out;
}

/** The answer with each [n] naming a source as a link to its passage (text nodes only, never HTML). */
export function renderAnswer(el, answer, sources, answerId) {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const nodes = [];
  let at = 0;
  for (const m of answer.matchAll(MARKER)) {
    const numbers = markerNumbers(m[1]);
    if (!numbers.some((n) => byNumber.has(n))) continue;
    nodes.push(answer.slice(at, m.index));
    for (const n of numbers) {
      const s = byNumber.get(n);
      if (!s) {
        nodes.push(`[${n}]`);
        continue;
      }
      const a = document.createElement('a');
      a.className = s.supported === false ? 'cite cite-unsupported' : 'cite';
      a.href = sourceHref(s, answerId);
      a.target = '_blank';
      a.rel = 'noopener';
      a.title = s.supported === false ? UNSUPPORTED_TITLE : `Source ${n}: ${s.documentName}`;
      a.textContent = `[${n}]`;
      nodes.push(a);
    }
    at = m.index + m[0].length;
  }
  nodes.push(answer.slice(at));
  el.replaceChildren(...nodes);
}

// The passage's unit and the headings inside it, as src/contracts/location.ts (placeOf) gives them.
export function placeOf(s) {
  const location = typeof s.location === 'string' ? s.location : typeof s.page === 'number' ? `page ${s.page}` : null;
  let headingPath = typeof s.headingPath === 'string' && s.headingPath !== '' ? s.headingPath : null;
  if (location !== null && headingPath !== null) {
    const [first, ...rest] = headingPath.split(' > ');
    if (location === `chapter "${first}"`) headingPath = rest.length > 0 ? rest.join(' > ') : null;
  }
  return { location, headingPath };
}

export function citationStatus(s) {
  if (s.cited === undefined) return undefined;
  if (!s.cited) return { cls: 'source-uncited', text: 'not cited' };
  return s.supported === false ? { cls: 'source-unsupported', text: `cited · ${UNSUPPORTED_TITLE}` } : { cls: 'source-cited', text: 'cited' };
}
