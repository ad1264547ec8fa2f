/**
 * Tokenises a batch of texts into the padded int64 tensors a BERT-style ONNX encoder takes
 * (input_ids, attention_mask, token_type_ids), truncated to the model's token limit.
 */
import type { HfTokenizer } from './hf-tokenizer.ts';

export interface EncodedBatch {
  batch: number;
  seqLen: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
}

/**
 * Characters kept before tokenising. Word pieces are at least one character (a too-long word
 * becomes one [UNK]), so this never cuts text that would survive token truncation in practice,
 * and it bounds the tokenizer's work on a huge input.
 */
const CHARS_PER_TOKEN_BOUND = 24;

/** Token ids of one text, with special tokens, truncated to maxTokens. */
export function encodeText(tokenizer: HfTokenizer, text: string, maxTokens: number): number[] {
  const ids = tokenizer.encode(text.slice(0, maxTokens * CHARS_PER_TOKEN_BOUND)).ids;
  if (ids.length <= maxTokens) return ids;
  // BERT's post-processor wraps the text as [CLS] ... [SEP]: keep the closing special token.
  const last = ids[ids.length - 1] ?? 0;
  return [...ids.slice(0, maxTokens - 1), last];
}

/** Pads the encodings to the longest one; padding is masked out (mask 0). */
export function toBatch(encoded: number[][], padId: number): EncodedBatch {
  const batch = encoded.length;
  const seqLen = Math.max(1, ...encoded.map((e) => e.length));
  const inputIds = new BigInt64Array(batch * seqLen).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(batch * seqLen);
  const tokenTypeIds = new BigInt64Array(batch * seqLen);
  encoded.forEach((ids, b) => {
    ids.forEach((id, t) => {
      inputIds[b * seqLen + t] = BigInt(id);
      attentionMask[b * seqLen + t] = 1n;
    });
  });
  return { batch, seqLen, inputIds, attentionMask, tokenTypeIds };
}
