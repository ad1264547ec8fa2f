/**
 * Lexical sentiment of a text with the `sentiment` package (the AFINN-165 word list, English).
 *
 * What it measures: every word found in AFINN gets an integer from -5 to +5 (with a simple negation
 * rule: "not good" scores -3), other words score 0.
 * - `score` is the sum of the word scores, so it grows with the length of the text;
 * - `comparative` is `score / number of words` (tokens), comparable across texts of any length.
 *   Docent reports the comparative score.
 *
 * What it does not measure: user satisfaction, or the quality of an answer. AFINN has no entry for
 * many words that carry sentiment in context ("slow", "wrong", "outdated" score 0), and a correct
 * answer about a grim subject scores negative. Satisfaction comes from votes, not from here.
 */
import Sentiment from 'sentiment';

export interface SentimentScore {
  /** Sum of the AFINN scores of the words. */
  score: number;
  /** score / number of words; 0 for an empty text. */
  comparative: number;
}

// One analyser: it holds no per-call state. `extras` is never passed because the package merges
// it into its shared word list (it would leak into every later call).
let analyser: Sentiment | undefined;

/** Scores one text; pure apart from the lazily made analyser. */
export function scoreSentiment(text: string): SentimentScore {
  analyser ??= new Sentiment();
  const { score, comparative } = analyser.analyze(text);
  // The package divides by the token count; guard anyway so NaN never reaches the store.
  return { score, comparative: Number.isFinite(comparative) ? comparative : 0 };
}
