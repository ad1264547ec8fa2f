/**
 * Starts Docent entrypoints as real OS processes for integration and e2e tests, keeps the tail of
 * their output for failure messages, and stops them (SIGTERM, then SIGKILL after a bound).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { testModels } from './test-models.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RoleProcess {
  name: string;
  child: ChildProcess;
  /** The last lines the process printed (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * For benchmarks and evaluations that ask many questions from one address as fast as the service
 * answers: the per-address and per-user question limits (docs/operations.md "Rate limits") would refuse them.
 */
export const QUESTION_LIMITS_OFF = { RATE_LIMIT_ASK_PER_MINUTE: 'off', RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: 'off' } as const;

export function startRole(name: string, bin: string, env: Record<string, string>): RoleProcess {
  // The flags the service's npm scripts give (package.json): a 2 MB young generation.
  const child = spawn(process.execPath, ['--max-semi-space-size=2', '--import', 'tsx', path.join(ROOT, 'src/bin', bin)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    child,
    output: () => lines.join('\n'),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `url` until it answers 200; fails with the processes' output when it never does. */
export async function waitForHttp(url: string, timeoutMs: number, procs: RoleProcess[]): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    for (const p of procs) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited with code ${p.child.exitCode}:\n${p.output()}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last}):\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`);
}

/** Waits until a process prints a line containing `text`. */
export async function waitForOutput(p: RoleProcess, text: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (p.output().includes(text)) return;
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with code ${p.child.exitCode}:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${p.name} did not print "${text}" within ${timeoutMs} ms:\n${p.output()}`);
}

/**
 * What every role process of a test shares: the small test models (failing loudly when they are
 * missing) on one thread, loopback only, one index folder.
 */
export function testRoleEnv(vectorstoreDir: string): Record<string, string> {
  const models = testModels();
  return { VECTORSTORE_DIR: vectorstoreDir, CHAT_MODEL: models.chat, EMBED_MODEL: models.embed, LLM_THREADS: '1', HOST: '127.0.0.1' };
}

/**
 * The ingest worker, one answer worker (`answer-a`) and the web as separate processes on RabbitMQ
 * under `prefix` (no Kafka), their state under `tmp`; pushed onto `procs` (for stopping and for
 * failure output) and resolved once all three are ready; `answerEnv` is added to the answer
 * worker's settings. Returns the web's base URL and the roles.
 */
export async function startRolesApart(opts: { tmp: string; amqpUrl: string; prefix: string; procs: RoleProcess[]; answerEnv?: Record<string, string> }): Promise<{ base: string; ingest: RoleProcess; answer: RoleProcess; web: RoleProcess }> {
  const { tmp, procs } = opts;
  const webPort = await freePort();
  const base = `http://127.0.0.1:${webPort}`;
  const common = { AMQP_URL: opts.amqpUrl, AMQP_PREFIX: opts.prefix, KAFKA_BROKERS: '', ...testRoleEnv(path.join(tmp, 'vectorstore')) };
  const ingest = startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'ingest') });
  const answer = startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'answer'), WORKER_ID: 'answer-a', ...opts.answerEnv });
  const web = startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(webPort) });
  procs.push(ingest, answer, web);
  await Promise.all([waitForOutput(ingest, 'ingest worker ready', 120_000), waitForOutput(answer, 'answer worker ready', 120_000), waitForHttp(`${base}/readyz`, 120_000, procs)]);
  return { base, ingest, answer, web };
}
