// The install step's system set-up (scripts/system-deps.sh --npm-install, the package's preinstall):
// silent when everything is present, installs what is missing as root or through passwordless
// sudo with one line saying what, stops with the one command to run otherwise, and steps aside
// when DOCENT_SKIP_SYSTEM_DEPS=1 or on a system without dpkg. The machine's own packages are
// never touched: dpkg-query, id, sudo and apt-get are stand-ins on PATH that record their calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const script = join(root, 'scripts', 'system-deps.sh');
const bash = '/bin/bash';

interface Machine {
  /** Packages dpkg reports as installed; undefined means no dpkg-query at all (not Debian). */
  installed?: string[];
  uid?: number;
  /** 'passwordless': `sudo -n true` succeeds; 'password': sudo exists but asks; 'none': no sudo. */
  sudo?: 'passwordless' | 'password' | 'none';
  env?: Record<string, string>;
}

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Each stand-in command that ran, as "name args...". */
  calls: string[];
}

function tool(dir: string, name: string, body: string): void {
  const path = join(dir, name);
  // The stand-ins themselves may use the system's grep; the script under test sees only them.
  const head = `#!/bin/bash\nPATH="${dir}:/usr/bin:/bin"\necho "${name} $*" >> "${join(dir, 'calls.log')}"`;
  writeFileSync(path, `${head}\n${body}\n`);
  chmodSync(path, 0o755);
}

function runOn(machine: Machine, args: string[]): Outcome {
  const dir = mkdtempSync(join(tmpdir(), 'docent-system-deps-'));
  try {
    writeFileSync(join(dir, 'calls.log'), '');
    if (machine.installed) {
      writeFileSync(join(dir, 'installed'), machine.installed.join('\n') + '\n');
      // dpkg-query -W -f='${Status}' <pkg>: the last argument is the package
      tool(dir, 'dpkg-query', `grep -qx "\${@: -1}" "${join(dir, 'installed')}" && printf 'install ok installed'; exit 0`);
    }
    tool(dir, 'id', `echo ${machine.uid ?? 1000}`);
    const sudo = machine.sudo ?? 'none';
    if (sudo === 'passwordless') tool(dir, 'sudo', 'shift; exec "$@"'); // sudo -n <command...>
    if (sudo === 'password') tool(dir, 'sudo', 'echo "sudo: a password is required" >&2; exit 1');
    tool(dir, 'apt-get', 'exit 0');
    const result = spawnSync(bash, [script, ...args], {
      encoding: 'utf8',
      // Only the stand-ins: a command the script needs but that is missing here fails the test.
      env: { PATH: dir, ...machine.env },
    });
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const buildPackages = ['libfaiss-dev', 'libopenblas-dev', 'libomp-dev', 'cmake', 'g++', 'make', 'python3'];
const without = (...gone: string[]): string[] => buildPackages.filter((p) => !gone.includes(p));
const aptCalls = (calls: string[]): string[] => calls.filter((c) => c.startsWith('apt-get'));

void test('npm ci runs the check before its native builds: the package preinstall calls --npm-install', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['preinstall'], 'bash scripts/system-deps.sh --npm-install');
});

void test('everything present: silent, exit 0, no apt-get', () => {
  const out = runOn({ installed: buildPackages, uid: 0 }, ['--npm-install']);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout + out.stderr, '');
  assert.deepEqual(aptCalls(out.calls), []);
  assert.equal(out.calls.filter((c) => c.startsWith('dpkg-query')).length, buildPackages.length);
});

void test('as root: installs exactly what is missing, saying so in one line', () => {
  const out = runOn({ installed: without('libfaiss-dev', 'cmake'), uid: 0 }, ['--npm-install']);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^\[system-deps\] installing with apt-get: libfaiss-dev cmake\n/);
  assert.deepEqual(aptCalls(out.calls), [
    'apt-get update -qq',
    'apt-get install -y -qq --no-install-recommends libfaiss-dev cmake',
  ]);
});

void test('not root but passwordless sudo: installs through sudo -n', () => {
  const out = runOn({ installed: without('libomp-dev'), uid: 1000, sudo: 'passwordless' }, ['--npm-install']);
  assert.equal(out.status, 0, out.stderr);
  assert.ok(out.calls.includes('sudo -n apt-get install -y -qq --no-install-recommends libomp-dev'), out.calls.join('\n'));
  assert.deepEqual(aptCalls(out.calls), ['apt-get update -qq', 'apt-get install -y -qq --no-install-recommends libomp-dev']);
});

void test('cannot install (sudo asks for a password): stops with the one command to run, installs nothing', () => {
  const out = runOn({ installed: without('libfaiss-dev', 'g++'), uid: 1000, sudo: 'password' }, ['--npm-install']);
  assert.equal(out.status, 1);
  assert.match(out.stderr, /missing system packages: libfaiss-dev g\+\+/);
  assert.match(out.stderr, /sudo apt-get update && sudo apt-get install -y libfaiss-dev g\+\+\n/);
  assert.match(out.stderr, /DOCENT_SKIP_SYSTEM_DEPS=1/);
  assert.deepEqual(aptCalls(out.calls), []);
});

void test('cannot install (no sudo at all): the command is given for root', () => {
  const out = runOn({ installed: without('make'), uid: 1000, sudo: 'none' }, ['--npm-install']);
  assert.equal(out.status, 1);
  assert.match(out.stderr, /\n {4}apt-get update && apt-get install -y make\n/);
});

void test('DOCENT_SKIP_SYSTEM_DEPS=1 opts out: nothing checked, nothing installed', () => {
  const out = runOn({ installed: [], uid: 0, env: { DOCENT_SKIP_SYSTEM_DEPS: '1' } }, ['--npm-install']);
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(out.calls, []);
});

void test('no dpkg (not Debian/Ubuntu): one note, and npm ci goes on', () => {
  const out = runOn({ uid: 0 }, ['--npm-install']);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stderr, /not a Debian\/Ubuntu system/);
  assert.deepEqual(aptCalls(out.calls), []);
});

void test('without --npm-install (CI, every tier) the brokers and browser are included too', () => {
  const out = runOn({ installed: buildPackages, uid: 0 }, []);
  assert.equal(out.status, 0, out.stderr);
  const install = aptCalls(out.calls).find((c) => c.startsWith('apt-get install'));
  assert.ok(install?.includes('rabbitmq-server') && install.includes('chromium'), install);
  assert.ok(install !== undefined && !install.includes('libfaiss-dev'), install);
});
