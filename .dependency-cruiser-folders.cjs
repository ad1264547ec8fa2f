/**
 * Folder-level import cycles (`npm run lint:deps`, part of `npm test`): two folders of src/ whose
 * modules import each other (web -> chats -> web) are one concept split in two, or one of them
 * reaches upward. Modules are aggregated to their folder; a folder counts its sub-folders too
 * (src/adapters holds src/adapters/kafka), and a folder and its own sub-folder do not count as a cycle.
 *
 * Run on src/ alone and without the files directly in src/ (config.ts, errors.ts, log.ts): every
 * folder imports those, and dependency-cruiser would count them as the folder `src`, which holds
 * every other folder, so every such import would read as a cycle through `src`. They import no
 * project module themselves, so no real cycle runs through them. templates/ is left out for the
 * same reason: it is the web's views, imported by src/web and importing src/web's HTML helper.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'Folders whose modules import each other: move the shared part to where both may import it (src/ports/, src/contracts/).',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^src/[^/]+\\.ts$', '^templates/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
