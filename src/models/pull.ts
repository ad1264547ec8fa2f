/**
 * `npm run models:pull`: downloads the default chat and embedding models into the paths the
 * configuration names (CHAT_MODEL, EMBED_MODEL). Files already present are kept unless forced;
 * an interrupted run resumes where it stopped (see download.ts).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError, UnavailableError, errorMessage } from '../errors.ts';
import { writeEmbedderManifest, EMBEDDER_MANIFEST_FILE } from '../llm/embedder-manifest.ts';
import { DEFAULT_HF_BASE_URL, defaultChatModel, defaultEmbedModel, fileUrl, type ModelSpec } from './catalog.ts';
import { downloadFile, UNREACHABLE, type DownloadProgress } from './download.ts';
import { verifyModelFile } from './verify.ts';

export interface PullOptions {
  /** Destination of the chat GGUF (config.models.chat). */
  chatPath: string;
  /** Destination directory of the embedder (config.models.embed). */
  embedDir: string;
  chat?: boolean;
  embed?: boolean;
  /** Download again even when the files exist. */
  force?: boolean;
  /** The models to fetch; default the catalog's (tests serve their own files with their own pins). */
  specs?: ModelSpec[];
  /** Default https://huggingface.co; tests point it at a local server. */
  baseUrl?: string;
  /** A progress reporter per file. */
  progress?: (label: string) => { update(p: DownloadProgress): void; stop(): void };
  /** One line per step ("kept", "downloaded"). */
  say?: (line: string) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  downloaded: string[];
  kept: string[];
}

export async function pullModels(opts: PullOptions): Promise<PullResult> {
  const baseUrl = opts.baseUrl ?? DEFAULT_HF_BASE_URL;
  const say = opts.say ?? (() => {});
  const specs: ModelSpec[] = opts.specs ?? [];
  if (!opts.specs && (opts.chat ?? true)) specs.push(defaultChatModel(opts.chatPath));
  if (!opts.specs && (opts.embed ?? true)) specs.push(defaultEmbedModel(opts.embedDir));
  const result: PullResult = { downloaded: [], kept: [] };

  for (const spec of specs) {
    say(`${spec.kind} model: ${spec.title}`);
    for (const f of spec.files) {
      if (opts.force) await fsp.rm(f.dest, { force: true });
      if (fs.existsSync(f.dest)) {
        // A file placed by hand (or left by an older release) is held to the same pin.
        await verifyModelFile(f);
        say(`  kept ${f.dest} (already present and verified; --force downloads again)`);
        result.kept.push(f.dest);
        continue;
      }
      const url = fileUrl(baseUrl, f);
      const bar = opts.progress?.(path.basename(f.dest));
      try {
        await downloadFile({ url, dest: f.dest, sha256: f.sha256, size: f.size, onProgress: (p) => bar?.update(p), signal: opts.signal });
      } catch (err) {
        throw explain(err, baseUrl, specs);
      } finally {
        bar?.stop();
      }
      say(`  saved ${f.dest}`);
      result.downloaded.push(f.dest);
    }
    if (spec.manifest) {
      const dir = path.dirname(spec.files[0]?.dest ?? opts.embedDir);
      if (opts.force || !fs.existsSync(path.join(dir, EMBEDDER_MANIFEST_FILE))) writeEmbedderManifest(dir, spec.manifest);
    }
  }
  return result;
}

/** Adds to an unreachable-host error how to place the files by hand. */
function explain(err: unknown, baseUrl: string, specs: ModelSpec[]): unknown {
  if (!(err instanceof AppError) || err.code !== UNREACHABLE) return err;
  const lines = specs.flatMap((s) => s.files.map((f) => `  ${fileUrl(DEFAULT_HF_BASE_URL, f)}\n    -> ${f.dest}`));
  const host = baseUrl === DEFAULT_HF_BASE_URL ? 'Hugging Face' : baseUrl;
  return new UnavailableError(
    `${host} is unreachable: ${errorMessage(err)}.\n` +
      'Run `npm run models:pull` again when the network is back (partial files resume), or download these files ' +
      'on another machine and place them by hand (see models/README.md):\n' +
      lines.join('\n'),
    { code: UNREACHABLE, cause: err },
  );
}
