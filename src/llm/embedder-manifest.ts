/**
 * The on-disk layout of an ONNX embedding model, as `npm run models:pull` and
 * `npm run models:test` write it:
 *
 *   <dir>/model.onnx            the encoder (outputs last_hidden_state [batch, tokens, dims])
 *   <dir>/tokenizer.json        its Hugging Face tokenizer
 *   <dir>/docent-embedder.json  how to use it: {name, pooling, dimensions, queryPrefix, documentPrefix,
 *                               maxTokens, licence}
 *
 * A directory placed by hand without docent-embedder.json still works: the settings are inferred
 * from the directory name (bge -> CLS pooling + bge query instruction; e5 -> mean pooling + "query: " /
 * "passage: "; otherwise mean pooling, no prefixes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors.ts';

export const EMBEDDER_MANIFEST_FILE = 'docent-embedder.json';

/** The query instruction BAAI recommends for bge v1.5 when short queries retrieve passages. */
export const BGE_QUERY_PREFIX = 'Represent this sentence for searching relevant passages: ';

/** The prefixes multilingual-e5 is trained with: queries and passages each say which they are. */
export const E5_QUERY_PREFIX = 'query: ';
export const E5_PASSAGE_PREFIX = 'passage: ';

export const embedderManifestSchema = z.object({
  name: z.string().min(1),
  pooling: z.enum(['cls', 'mean']),
  /** Expected output width; checked against the model's own output. */
  dimensions: z.number().int().positive().optional(),
  /** Prepended to queries (not documents) by embedQuery. */
  queryPrefix: z.string().default(''),
  /** Prepended to documents (chunks) by embedDocuments; e5 models need "passage: ". */
  documentPrefix: z.string().default(''),
  /** Longer inputs are truncated to this many tokens, special tokens included. */
  maxTokens: z.number().int().min(8).default(512),
  licence: z.string().optional(),
  source: z.string().optional(),
});

export type EmbedderManifest = z.infer<typeof embedderManifestSchema>;

export interface EmbedderFiles {
  dir: string;
  model: string;
  tokenizer: string;
  /** tokenizer_config.json when present (optional for BERT-style tokenizers). */
  tokenizerConfig: string | undefined;
  manifest: EmbedderManifest;
  /** False when the manifest was inferred because docent-embedder.json is absent. */
  manifestFound: boolean;
}

/** Resolves and validates the files of an embedder directory; throws a message naming the fix. */
export function readEmbedderDir(dir: string): EmbedderFiles {
  const model = path.join(dir, 'model.onnx');
  const tokenizer = path.join(dir, 'tokenizer.json');
  const missing = [model, tokenizer].filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new AppError(
      `embedding model not found: ${missing.join(', ')} missing. Run \`npm run models:pull\` to download the ` +
        'default (bge-small-en-v1.5), or point EMBED_MODEL at a directory holding model.onnx and tokenizer.json ' +
        '(see models/README.md).',
      { code: 'model_missing' },
    );
  }
  const manifestPath = path.join(dir, EMBEDDER_MANIFEST_FILE);
  const tokenizerConfigPath = path.join(dir, 'tokenizer_config.json');
  const tokenizerConfig = fs.existsSync(tokenizerConfigPath) ? tokenizerConfigPath : undefined;
  if (!fs.existsSync(manifestPath)) {
    return { dir, model, tokenizer, tokenizerConfig, manifest: inferManifest(dir), manifestFound: false };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new AppError(`${manifestPath} is not valid JSON`, { code: 'model_invalid', cause: err });
  }
  const parsed = embedderManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError(`${manifestPath} is invalid: ${issues}`, { code: 'model_invalid' });
  }
  return { dir, model, tokenizer, tokenizerConfig, manifest: parsed.data, manifestFound: true };
}

function inferManifest(dir: string): EmbedderManifest {
  const name = path.basename(path.resolve(dir));
  const bge = /bge/i.test(name);
  const e5 = /(^|[^a-z0-9])e5([^a-z0-9]|$)/i.test(name);
  return embedderManifestSchema.parse({
    name,
    pooling: bge ? 'cls' : 'mean',
    queryPrefix: bge ? BGE_QUERY_PREFIX : e5 ? E5_QUERY_PREFIX : '',
    documentPrefix: e5 ? E5_PASSAGE_PREFIX : '',
  });
}

/** Writes docent-embedder.json (used by the model download). */
export function writeEmbedderManifest(dir: string, manifest: EmbedderManifest): void {
  fs.writeFileSync(path.join(dir, EMBEDDER_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
