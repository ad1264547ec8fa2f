/**
 * For browser tests: the REAL all-in-one service (src/bin/start.ts) on a free port with the small
 * test models and private data folders, and Debian's Chromium with the flags this closed network
 * needs. Missing Chromium or models fail with a message; nothing is skipped.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { testModels } from './test-models.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const READY_TIMEOUT_MS = 90_000;

export interface E2eService {
  baseUrl: string;
  /** The service's DATA_DIR (its SQLite stores), for seeding data a test needs in bulk. */
  dataDir: string;
  /** The last lines the service printed (for failure messages). */
  tail(): string;
  tmpDir(prefix: string): Promise<string>;
  browser: Browser;
  close(): Promise<void>;
}

/** A free loopback port (e.g. to give the service a known address before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Debian's Chromium, headless, with the flags this closed network needs (missing: a clear failure). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

export interface E2eOptions {
  /** More Chromium flags (e.g. --host-resolver-rules to give the loopback address a foreign name). */
  chromiumArgs?: string[];
}

/** Starts the service with `env` added to the test defaults, waits for /readyz, opens Chromium. */
export async function startE2eService(env: Record<string, string> = {}, opts: E2eOptions = {}): Promise<E2eService> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  const models = testModels();
  const dirs: string[] = [];
  const tmpDir = async (prefix: string): Promise<string> => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  // A PORT given by the test (e.g. one a redirect URL was registered for) is used as is.
  const port = env.PORT !== undefined ? Number(env.PORT) : await freePort();
  const data = await tmpDir('docent-e2e-data-');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: data,
    VECTORSTORE_DIR: await tmpDir('docent-e2e-vs-'),
    INGEST_INBOX: path.join(data, 'inbox'),
    CHAT_MODEL: models.chat,
    EMBED_MODEL: models.embed,
    LLM_THREADS: '1',
    LOG_LEVEL: 'warn',
    ...env,
  };
  // The all-in-one mode with its in-process bus and log: no broker settings leak in.
  delete childEnv.AMQP_URL;
  delete childEnv.KAFKA_BROKERS;
  delete childEnv.ANALYTICS_URL;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=2', '--import', 'tsx', 'src/bin/start.ts'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const tail = (): string => output.split('\n').slice(-60).join('\n');
  const baseUrl = `http://127.0.0.1:${port}`;

  const stopChild = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await stopChild();
    await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
  };

  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready; its output:\n${tail()}`);
      const res = await fetch(`${baseUrl}/readyz`).catch((err: unknown) => err as Error);
      if (!(res instanceof Error) && res.status === 200) break;
      last = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
      if (Date.now() > deadline) throw new Error(`GET /readyz was not 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}); the service's output:\n${tail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await launchChromium(opts.chromiumArgs);
  } catch (err) {
    await close();
    throw err;
  }
  return { baseUrl, dataDir: data, tail, tmpDir, browser, close };
}
