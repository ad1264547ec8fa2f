/**
 * The default models `npm run models:pull` fetches from Hugging Face, and where each file goes.
 * Licences are listed in models/README.md.
 *
 * Every file is pinned: a repository revision (so the bytes behind the URL cannot change) and the
 * file's size and sha256, checked after every download or resume and on every start before the
 * file is loaded (./verify.ts). The hashes are those Hugging Face publishes for the files (their
 * LFS object ids), as recorded by several independent projects that download the same files:
 *   Llama-3.2-1B-Instruct-Q4_K_M.gguf  807,694,464 bytes at bartowski's revision 067b946c (the same
 *     bytes are also published as ggml-org/ultravox-v0_5-llama-3_2-1b-GGUF's copy; LocalAI's
 *     gallery pins that copy with this hash);
 *   bge-small-en-v1.5 onnx/model_quantized.onnx 34,014,426 bytes and tokenizer.json 711,396 bytes
 *     at Xenova's revision ea104dac (the tokenizer is byte-identical to BAAI/bge-small-en-v1.5's).
 */
import path from 'node:path';
import { BGE_QUERY_PREFIX, type EmbedderManifest } from '../llm/embedder-manifest.ts';

export const DEFAULT_HF_BASE_URL = 'https://huggingface.co';

export interface ModelFile {
  /** Hugging Face repository, e.g. "bartowski/Llama-3.2-1B-Instruct-GGUF". */
  repo: string;
  /** Path of the file inside the repository. */
  file: string;
  /** The repository revision (commit) the file is taken from. */
  revision: string;
  /** Where it is saved. */
  dest: string;
  /** Its sha256 (lower-case hex): a download or a file placed by hand that differs is refused. */
  sha256: string;
  /** Its size in bytes (checked before hashing: a cheap first test). */
  size: number;
}

export interface ModelSpec {
  kind: 'chat' | 'embed';
  title: string;
  files: ModelFile[];
  /** For embedders: the docent-embedder.json written next to the files. */
  manifest?: EmbedderManifest;
}

/** Llama-3.2-1B-Instruct Q4_K_M GGUF, saved as the file CHAT_MODEL names. */
export function defaultChatModel(chatPath: string): ModelSpec {
  return {
    kind: 'chat',
    title: 'Llama-3.2-1B-Instruct Q4_K_M (GGUF, ~0.8 GB)',
    files: [
      {
        repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
        file: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
        revision: '067b946cf014b7c697f3654f621d577a3e3afd1c',
        dest: chatPath,
        sha256: '6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83',
        size: 807_694_464,
      },
    ],
  };
}

/** bge-small-en-v1.5 int8 ONNX + tokenizer, laid out in the directory EMBED_MODEL names. */
export function defaultEmbedModel(embedDir: string): ModelSpec {
  const repo = 'Xenova/bge-small-en-v1.5';
  const revision = 'ea104dacec62c0de699686887e3f920caeb4f3e3';
  return {
    kind: 'embed',
    title: 'bge-small-en-v1.5 int8 (ONNX, ~34 MB)',
    files: [
      {
        repo,
        file: 'tokenizer.json',
        revision,
        dest: path.join(embedDir, 'tokenizer.json'),
        sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
        size: 711_396,
      },
      {
        repo,
        file: 'onnx/model_quantized.onnx',
        revision,
        dest: path.join(embedDir, 'model.onnx'),
        sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
        size: 34_014_426,
      },
    ],
    manifest: {
      name: 'bge-small-en-v1.5-q',
      pooling: 'cls',
      dimensions: 384,
      queryPrefix: BGE_QUERY_PREFIX,
      documentPrefix: '',
      maxTokens: 512,
      licence: 'MIT',
      source: `hf:${repo}`,
    },
  };
}

/** The download URL of a file: `<base>/<repo>/resolve/<revision>/<file>`. */
export function fileUrl(baseUrl: string, f: Pick<ModelFile, 'repo' | 'file' | 'revision'>): string {
  const file = f.file.split('/').map(encodeURIComponent).join('/');
  return `${baseUrl.replace(/\/+$/, '')}/${f.repo}/resolve/${f.revision}/${file}`;
}
