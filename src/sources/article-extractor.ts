/**
 * Runs article-html.ts on a fetched page in a worker thread, with a time and memory bound, so a
 * large or hostile page cannot stall the web. Out of time or memory: the page is kept as fetched
 * (the normal HTML parser, in the isolated parse child, still reads it).
 */
import { Worker } from 'node:worker_threads';

const ENTRY = new URL('./article-worker.ts', import.meta.url).href;
/**
 * A worker does not inherit this process's TypeScript loader (`--import tsx` is not applied to a
 * worker's entry in Node 20), so a small bootstrap registers tsx in the worker first.
 */
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(ENTRY)}); })`;

/** Writes the article of the page at `input` to `output`; true when there was one. */
export function extractArticle(input: string, output: string, url: string, opts: { timeoutMs: number; maxMemoryMb: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { input, output, url },
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: opts.maxMemoryMb },
    });
    let settled = false;
    const done = (article: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(article);
    };
    const timer = setTimeout(() => done(false), opts.timeoutMs);
    worker.once('message', (m: { article: boolean }) => done(m.article));
    worker.once('error', () => done(false));
    worker.once('exit', () => done(false));
  });
}
