/**
 * The Hugging Face tokenizer.json of an XLM-RoBERTa SentencePiece-unigram vocabulary (the one
 * multilingual-e5 uses), built from the model file's own pieces and scores: the same layout as
 * XLM-R's published tokenizer.json (Precompiled normaliser then runs of spaces collapsed, Metaspace
 * "▁" always prepended, Unigram with <unk>, and <s> ... </s> around each text). The precompiled
 * character map is left empty: the tokenizer library Docent uses applies NFKC plus SentencePiece's
 * control and space mapping in its place whatever the map holds.
 */
import type { E5s1Model } from './e5s1-format.ts';

export function xlmrTokenizerJson(m: E5s1Model): object {
  const { bos, eos, pad, unk } = m.special;
  const piece = (id: number) => m.pieces[id] ?? '';
  const mask = m.pieces.indexOf('<mask>');
  const added = [bos, pad, eos, unk, ...(mask >= 0 ? [mask] : [])].map((id) => ({
    id,
    content: piece(id),
    single_word: false,
    lstrip: id === mask,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  const special = (id: number) => ({ SpecialToken: { id: piece(id), type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: '' },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(bos), { Sequence: { id: 'A', type_id: 0 } }, special(eos)],
      pair: [special(bos), { Sequence: { id: 'A', type_id: 0 } }, special(eos), special(eos), { Sequence: { id: 'B', type_id: 0 } }, special(eos)],
      special_tokens: Object.fromEntries([bos, eos].map((id) => [piece(id), { id: piece(id), ids: [id], tokens: [piece(id)] }])),
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: unk, vocab: m.pieces.map((p, i) => [p, m.scores[i] ?? 0]), byte_fallback: false },
  };
}
