/**
 * The default models `npm run models:pull` fetches from Hugging Face, and where each file goes.
 * Licences are listed in models/README.md.
 */
import path from 'node:path';
import { BGE_QUERY_PREFIX, type EmbedderManifest } from '../llm/embedder-manifest.ts';

export const DEFAULT_HF_BASE_URL = 'https://huggingface.co';

export interface ModelFile {
  /** Hugging Face repository, e.g. "bartowski/Llama-3.2-1B-Instruct-GGUF". */
  repo: string;
  /** Path of the file inside the repository. */
  file: string;
  /** Where it is saved. */
  dest: string;
  /** Expected sha256, when pinned. */
  sha256?: string;
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
    files: [{ repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF', file: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf', dest: chatPath }],
  };
}

/** bge-small-en-v1.5 int8 ONNX + tokenizer, laid out in the directory EMBED_MODEL names. */
export function defaultEmbedModel(embedDir: string): ModelSpec {
  const repo = 'Xenova/bge-small-en-v1.5';
  return {
    kind: 'embed',
    title: 'bge-small-en-v1.5 int8 (ONNX, ~34 MB)',
    files: [
      { repo, file: 'tokenizer.json', dest: path.join(embedDir, 'tokenizer.json') },
      { repo, file: 'onnx/model_quantized.onnx', dest: path.join(embedDir, 'model.onnx') },
    ],
    manifest: {
      name: 'bge-small-en-v1.5-q',
      pooling: 'cls',
      dimensions: 384,
      queryPrefix: BGE_QUERY_PREFIX,
      maxTokens: 512,
      licence: 'MIT',
      source: `hf:${repo}`,
    },
  };
}

/** The download URL of a file: `<base>/<repo>/resolve/main/<file>`. */
export function fileUrl(baseUrl: string, f: ModelFile): string {
  const file = f.file.split('/').map(encodeURIComponent).join('/');
  return `${baseUrl.replace(/\/+$/, '')}/${f.repo}/resolve/main/${file}`;
}
