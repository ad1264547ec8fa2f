/**
 * Typed access to @huggingface/tokenizers. Its published .d.ts re-exports with extensionless
 * relative paths, which NodeNext resolution cannot follow, so TypeScript sees `Tokenizer` as an
 * unresolved type; this module states the small part of its API Docent uses.
 */
import * as tokenizers from '@huggingface/tokenizers';

export interface HfTokenizer {
  encode(text: string): { ids: number[] };
  token_to_id(token: string): number | undefined;
}

type TokenizerCtor = new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer;

/** Builds a tokenizer from parsed tokenizer.json (and tokenizer_config.json, `{}` when absent). */
export function createHfTokenizer(tokenizerJson: object, tokenizerConfig: object = {}): HfTokenizer {
  const Ctor = (tokenizers as unknown as { Tokenizer: TokenizerCtor }).Tokenizer;
  return new Ctor(tokenizerJson, tokenizerConfig);
}
