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
  /**
   * The passage reads as instructions to the assistant (src/answer/injection-detector.ts); absent:
   * not flagged. With the default guard a flagged passage was kept out of the prompt.
   */
  flagged: z.boolean().optional(),
  /** What was found, e.g. `override of instructions: "ignore your instructions"`; with `flagged` only. */
  flaggedReason: z.string().max(2000).optional(),
});
export type Source = z.infer<typeof sourceSchema>;

/** What the reader is told about a passage with `ocr` (sources, passage view; templates/static/ask.js writes the same). */
export const OCR_NOTE = 'text recognised by OCR; may contain errors';
