/** A retrieved passage as it travels with an answer and as search returns it. */
import { z } from 'zod';

export const sourceSchema = z.object({
  /** 1-based number the answer cites as [n]. */
  n: z.number().int().min(1),
  documentId: z.string(),
  documentName: z.string(),
  page: z.number().int().min(1).nullable(),
  text: z.string(),
  score: z.number(),
  chunkId: z.string(),
  /**
   * Where the passage lies in the unit its format counts in: "page 4", "slide 3", "Sheet1, rows
   * 12-40", `chapter "Storms"` (src/contracts/location.ts); null when the format has none (plain
   * text, Word, web pages); absent from older workers (then `page`, if any, is the unit).
   */
  location: z.string().max(2000).nullable().optional(),
  /** Markdown/HTML headings above the passage, outermost first, joined with " > "; absent or null when none. */
  headingPath: z.string().nullable().optional(),
  /** The passage's text was recognised by OCR from a scan or image and may contain errors; absent: not. */
  ocr: z.boolean().optional(),
  /** Character offsets of the passage in its page's extracted text (absent from older workers). */
  start: z.number().int().min(0).optional(),
  end: z.number().int().min(0).optional(),
  /** The collection the passage was found in (absent from older workers); the web adds its name. */
  collectionId: z.string().optional(),
  collectionName: z.string().optional(),
  /** The web address of a document added as a web page (the web adds it); absent for uploads. */
  sourceUrl: z.string().max(2000).optional(),
  /**
   * The passage reads as instructions to the assistant (src/answer/injection-detector.ts); absent:
   * not flagged. With the default guard a flagged passage was kept out of the prompt.
   */
  flagged: z.boolean().optional(),
  /** What was found, e.g. `override of instructions: "ignore your instructions"`; with `flagged` only. */
  flaggedReason: z.string().max(2000).optional(),
  /**
   * Citation check (src/answer/citation-check.ts), on the final `done` sources only; absent from
   * the first `sources` reply and from older workers (not checked). `cited`: the answer cites it as
   * [n]. `supported`: for a cited source, whether it supports every sentence citing it; null when
   * not cited.
   */
  cited: z.boolean().optional(),
  supported: z.boolean().nullable().optional(),
  /**
   * For a cited source: the [start, end) character range in `text` of the passage sentence that
   * best supports the citing sentence, and its support score (0-1; supported at or above the
   * worker's threshold).
   */
  support: z.object({ start: z.number().int().min(0), end: z.number().int().min(0), score: z.number() }).optional(),
});
export type Source = z.infer<typeof sourceSchema>;

/** What the reader is told about a passage with `ocr` (sources, passage view; templates/static/ask-sources.js writes the same). */
export const OCR_NOTE = 'text recognised by OCR; may contain errors';

/** The citation check's fields of a source, when it was checked (the same names in every API). */
export const citationCheck = (s: Source): Pick<Source, 'cited' | 'supported' | 'support'> => ({
  ...(s.cited === undefined ? {} : { cited: s.cited }),
  ...(s.supported === undefined ? {} : { supported: s.supported }),
  ...(s.support === undefined ? {} : { support: s.support }),
});
