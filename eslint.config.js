// Type-aware lint: floating promises and misused promises are errors, as in STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const BROWSER_GLOBALS = Object.fromEntries(
  ['window', 'document', 'fetch', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'AbortController',
    'TextDecoder', 'TextDecoderStream', 'FormData', 'URLSearchParams', 'HTMLElement', 'HTMLFormElement', 'MutationObserver', 'Event', 'CustomEvent', 'requestAnimationFrame',
    'getComputedStyle', 'navigator', 'location', 'history', 'Intl', 'Request', 'Headers', 'URL', 'ReadableStream']
    .map((g) => [g, 'readonly']),
);

export default tseslint.config(
  { ignores: ['node_modules/**', 'models/**', 'vectorstore/**', 'data/**', 'bench/results/**', 'test-results/**', 'eslint.config.js', 'scripts/**/*.mjs', '.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test/describe return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings through src/config.ts.' }],
    },
  },
  {
    files: ['src/config.ts', 'tests/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Small browser scripts served to the pages; they are not part of the TypeScript program.
    files: ['templates/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'module', globals: BROWSER_GLOBALS },
  },
);
