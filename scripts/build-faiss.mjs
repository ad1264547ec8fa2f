#!/usr/bin/env node
// Builds faiss-node's native addon against the system libfaiss; the package's `postinstall`.
//
// faiss-node's own install script is denied (package.json `allowScripts`): it downloads a prebuilt
// binary and falls back to `git clone`, and neither works offline. Instead this compiles
// node_modules/faiss-node/src with cmake-js and the small CMake project in scripts/faiss/, linking
// Debian's libfaiss-dev (faiss 1.7.3), OpenMP and OpenBLAS. Nothing is downloaded: the Node headers
// come from the running node's own install prefix, passed to cmake-js explicitly.
//
// Usage: node scripts/build-faiss.mjs [--force]
// Skips in well under a second when build/Release/faiss-node.node already exists and works.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APT_PACKAGES = 'libfaiss-dev libopenblas-dev libomp-dev cmake g++ make';
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const force = process.argv.includes('--force');

function log(message) {
  console.log(`[build-faiss] ${message}`);
}

function fail(message) {
  console.error(`[build-faiss] ERROR: ${message}`);
  process.exit(1);
}

/** Locates an installed package's directory from the project root. */
function packageDir(name, from = root) {
  const require = createRequire(join(from, 'package.json'));
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * Loads the addon in a child process (a broken native module can abort the process, which must
 * not take this script down) and runs a tiny add/search round trip.
 */
function addonWorks(faissNodeDir) {
  const probe = `
    const { IndexFlatIP } = require(${JSON.stringify(faissNodeDir)});
    const index = new IndexFlatIP(2);
    index.add([1, 0, 0, 1]);
    const { labels } = index.search([0, 1], 1);
    if (labels[0] !== 1) throw new Error('unexpected search result ' + JSON.stringify(labels));
  `;
  const result = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  return { ok: result.status === 0, detail: `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() };
}

/** Node's headers ship with the node install: <prefix>/include/node next to <prefix>/bin/node. */
function localNodeDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function commandExists(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

function findSystemFaiss() {
  const candidates = ['/usr/include/faiss/Index.h', '/usr/local/include/faiss/Index.h'];
  return candidates.find((file) => existsSync(file));
}

function main() {
  const started = Date.now();
  const faissNodeDir = packageDir('faiss-node');
  if (!faissNodeDir) fail('faiss-node is not installed; run `npm ci` first.');
  const addon = join(faissNodeDir, 'build', 'Release', 'faiss-node.node');

  if (!force && existsSync(addon)) {
    const probe = addonWorks(faissNodeDir);
    if (probe.ok) {
      log(`faiss-node already built and working (${addon}); skipping.`);
      return;
    }
    log(`existing faiss-node build does not load, rebuilding: ${probe.detail}`);
  }

  if (!findSystemFaiss()) {
    fail(`libfaiss-dev is not installed (no faiss/Index.h). Install the system packages:\n` +
      `  sudo apt-get install -y ${APT_PACKAGES}\n(or run scripts/system-deps.sh)`);
  }
  for (const tool of ['cmake', 'make', 'g++']) {
    if (!commandExists(tool)) fail(`${tool} is not installed. Install: sudo apt-get install -y ${APT_PACKAGES}`);
  }
  const nodeDir = localNodeDir();
  if (!nodeDir) {
    fail(`Node headers not found under ${dirname(dirname(process.execPath))}/include/node. ` +
      'Use a Node.js install that ships its headers (the official tarballs, nvm, or Debian/NodeSource nodejs).');
  }
  const cmakeJsDir = packageDir('cmake-js');
  if (!cmakeJsDir) fail('cmake-js is not installed; run `npm ci` first.');
  // faiss-node pins its own node-addon-api (6.x); compile against the one it was written for.
  const addonApiDir = packageDir('node-addon-api', faissNodeDir);
  if (!addonApiDir) fail('node-addon-api (a faiss-node dependency) is not installed.');

  const args = [
    join(cmakeJsDir, 'bin', 'cmake-js'), 'rebuild',
    '--directory', join(root, 'scripts', 'faiss'),
    '--out', join(faissNodeDir, 'build'),
    '--runtime', 'node', '--runtime-version', process.versions.node, '--arch', process.arch,
    '--parallel', String(availableParallelism()),
    '--prefer-make',
    `--CDFAISS_NODE_DIR=${faissNodeDir}`,
    `--CDNODE_ADDON_API_DIR=${addonApiDir}`,
  ];
  log(`building faiss-node against the system libfaiss (node headers from ${nodeDir})`);
  // cmake-js reads the Node headers location only from npm_config_nodedir; setting it here (rather
  // than trusting the user's .npmrc) is what keeps it from downloading headers.
  const env = { ...process.env, npm_config_nodedir: nodeDir };
  const build = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  if (build.status !== 0) fail(`cmake-js failed (exit ${build.status ?? build.signal}). See the output above.`);

  const probe = addonWorks(faissNodeDir);
  if (!probe.ok) fail(`faiss-node was built but does not work: ${probe.detail}`);
  log(`built ${addon} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
