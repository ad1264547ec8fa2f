/**
 * The architecture's import rules, checked by `npm run lint:deps` (part of `npm test`).
 * Module level: no import cycles; the web side never imports the answer or ingest worker's code
 * nor a model runtime; the workers never import the web side; contracts and ports import nothing
 * of the project but each other (and zod). Folder-level cycles are checked by
 * .dependency-cruiser-folders.cjs. src/app/ (wiring) and src/bin/ (entrypoints) may import anything.
 * See src/README.md for which folder runs in which process.
 */
/** The web side: routes and pages, the HTML templates, and the web's client of the answer worker. */
const WEB = '^(src/web|src/asking|templates)/';
/** The answer worker's code and the ingest worker's parsing, chunking and indexing. */
const WORKER = '^src/(answer|ingest)/';
const MODEL_RUNTIME = '^src/llm/|(^|/)node_modules/(node-llama-cpp|onnxruntime-node)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Modules that import each other, directly or around a loop: one of them belongs elsewhere.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'web-not-to-worker',
      comment: 'The web never imports the workers\' code: it talks to them over the message bus (src/ports/).',
      severity: 'error',
      from: { path: WEB },
      to: { path: WORKER },
    },
    {
      name: 'web-not-to-model-runtime',
      comment: 'The web never loads a model runtime, not even through another module: models live in the workers.',
      severity: 'error',
      from: { path: WEB },
      to: { path: MODEL_RUNTIME, reachable: true },
    },
    {
      name: 'worker-not-to-web',
      comment: 'The workers never import the web side: they answer over the message bus.',
      severity: 'error',
      from: { path: WORKER },
      to: { path: WEB },
    },
    {
      name: 'contracts-and-ports-stand-alone',
      comment: 'Contracts and ports are the shared language: they import each other (and zod), nothing else of the project.',
      severity: 'error',
      from: { path: '^src/(contracts|ports)/' },
      to: { dependencyTypesNot: ['core'], pathNot: '^src/(contracts|ports)/|(^|/)node_modules/zod/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: an interface imported the wrong way round is still a wrong arrow.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
