/**
 * `npm run bench:scale`: answer throughput against the number of answer workers, as real
 * processes on the real RabbitMQ (AMQP_URL, default the local one) with the small test models.
 * One web and one ingest worker index a short document; then rounds of distinct questions (never
 * asked before, so nothing is reused between rounds) are asked with enough at once to keep every
 * worker busy, with 1, 2, 3, then 2 and 1 answer workers again (one generation thread each),
 * workers added (or drained) between rounds in the same run. Reports distinct questions per
 * minute, the better of the two rounds at each count, and each as a ratio to one worker; per
 * round, the p50 and p95 time from a question to its whole answer, and where the time goes: the
 * CPU seconds each role's processes used during the round (from /proc), and the machine's cores
 * kept busy by them (CPU seconds / wall seconds). When the answer workers keep every core busy, the
 * cores are the bottleneck and more workers cannot add throughput; the prediction for a machine
 * with more cores is min(workers, cores) x one worker's rate (one generation thread each).
 * Env: BENCH_SCALE_QUESTIONS (per round, default 12), BENCH_SCALE_MAX_TOKENS (default 48).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerUrls } from '../tests/support/brokers-env.ts';
import { deleteRabbitPrefix } from '../tests/support/brokers.ts';
import { startRole, startRolesApart, testRoleEnv, waitForOutput, type RoleProcess } from '../tests/support/processes.ts';
import { percentile, round } from './stats.ts';

const FACTS = Array.from({ length: 12 }, (_, i) => `Pier ${i + 1} of Qorvath harbour: the ferry to island ${i + 1} leaves at ${(i % 12) + 1} o'clock; its keeper is ${['Ansel', 'Brin', 'Cato', 'Dara'][i % 4]} Reeve.`).join('\n\n');
const QUESTIONS = Number(process.env.BENCH_SCALE_QUESTIONS ?? 12);
const MAX_TOKENS = Number(process.env.BENCH_SCALE_MAX_TOKENS ?? 48);
const WORKERS = [1, 2, 3];
/** Up and back down, so a burst of load from elsewhere does not decide a count alone. */
const SEQUENCE = [1, 2, 3, 2, 1];

/** CPU seconds (user + system) the process has used so far; 0 once it is gone. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times, on every architecture Docent runs on. */
const CLOCK_TICKS = 100;

/** CPU seconds of each process now. */
async function cpuOf(procs: RoleProcess[]): Promise<Map<RoleProcess, number>> {
  return new Map(await Promise.all(procs.map(async (p) => [p, await cpuSeconds(p.child.pid)] as const)));
}

/** CPU seconds per role (web, ingest-worker, answer) used between two readings, by the processes in both. */
function cpuByRole(before: Map<RoleProcess, number>, after: Map<RoleProcess, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [p, s] of after) {
    const was = before.get(p);
    if (was === undefined || s === 0) continue;
    const role = p.name.startsWith('answer') ? 'answer' : p.name;
    out[role] = round((out[role] ?? 0) + s - was, 1);
  }
  return out;
}

/** Asks one question (no stream); returns the id of the worker that answered. */
async function askOnce(base: string, question: string): Promise<string> {
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, settings: { temperature: 0.7, maxTokens: MAX_TOKENS, seed: 1 } }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`ask answered ${res.status}: ${body}`);
  return (JSON.parse(body) as { worker: string }).worker;
}

/** Asks `n` distinct questions, `parallel` at once; the wall time in ms and answers per worker. */
async function askRound(base: string, tag: string, n: number, parallel: number): Promise<{ ms: number; byWorker: Record<string, number>; latencies: number[] }> {
  let next = 0;
  const byWorker: Record<string, number> = {};
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) {
      const i = next++;
      const asked = performance.now();
      const worker = await askOnce(base, `Round ${tag}, question ${i + 1}: when does the ferry from pier ${(i % 12) + 1} leave, and who keeps it?`);
      latencies.push(performance.now() - asked);
      byWorker[worker] = (byWorker[worker] ?? 0) + 1;
    }
  }));
  return { ms: performance.now() - t0, byWorker, latencies: latencies.sort((a, b) => a - b) };
}

export async function benchScale(): Promise<Record<string, unknown>> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-scale-'));
  const prefix = `b${randomBytes(4).toString('hex')}.`;
  const procs: RoleProcess[] = [];
  const { amqpUrl } = brokerUrls();
  const loadAtStart = os.loadavg().map((l) => round(l, 2));
  try {
    const { base } = await startRolesApart({ tmp, amqpUrl, prefix, procs });
    const form = new FormData();
    form.append('file', new Blob([FACTS], { type: 'text/plain' }), 'piers.txt');
    const up = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
    const { documents } = (await up.json()) as { documents: Array<{ id: string }> };
    for (const end = Date.now() + 120_000; ;) {
      const d = (await (await fetch(`${base}/api/documents/${documents[0]!.id}`)).json()) as { status: string };
      if (d.status === 'ready') break;
      if (d.status === 'failed' || Date.now() > end) throw new Error(`document not indexed: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const common: Record<string, string> = { AMQP_URL: amqpUrl, AMQP_PREFIX: prefix, KAFKA_BROKERS: '', ...testRoleEnv(path.join(tmp, 'vectorstore')) };
    // Warm-up on the first worker: its first answers load caches the measured rounds should not pay for.
    await askRound(base, 'warm-up', 3, 2);
    const rounds: Array<{ workers: number; questions: number; ms: number; questionsPerMinute: number; p50Ms: number; p95Ms: number; cpuSeconds: Record<string, number>; coresBusy: number; answeredBy: Record<string, number> }> = [];
    const answerers = (): RoleProcess[] => procs.filter((p) => p.name.startsWith('answer') && p.child.exitCode === null && p.child.signalCode === null);
    let started = 1;
    for (const workers of SEQUENCE) {
      while (answerers().length < workers) {
        const id = `answer-${String.fromCharCode(97 + started++)}`;
        const w = startRole(id, 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, id), WORKER_ID: id });
        procs.push(w);
        await waitForOutput(w, 'answer worker ready', 180_000);
      }
      // Going down: the newest worker drains (SIGTERM) and leaves.
      while (answerers().length > workers) await answerers().at(-1)!.stop();
      // Two questions in flight per worker keep each busy while the next request travels.
      const cpuBefore = await cpuOf(procs);
      const { ms, byWorker, latencies } = await askRound(base, `${rounds.length + 1}-${randomBytes(3).toString('hex')}`, QUESTIONS, workers * 2);
      const cpu = cpuByRole(cpuBefore, await cpuOf(procs));
      const busy = Object.values(cpu).reduce((a, b) => a + b, 0) / (ms / 1000);
      rounds.push({
        workers,
        questions: QUESTIONS,
        ms: Math.round(ms),
        questionsPerMinute: round((QUESTIONS * 60_000) / ms, 1),
        p50Ms: Math.round(percentile(latencies, 0.5)),
        p95Ms: Math.round(percentile(latencies, 0.95)),
        cpuSeconds: cpu,
        coresBusy: round(busy, 2),
        answeredBy: byWorker,
      });
      process.stderr.write(`scale: ${workers} worker(s): ${QUESTIONS} questions in ${Math.round(ms)} ms\n`);
    }
    // Each count is measured on the way up and on the way down; the better round counts (noise
    // on a shared machine only ever slows a round down).
    const best = (n: number): number => Math.max(...rounds.filter((r) => r.workers === n).map((r) => r.questionsPerMinute));
    const one = best(1);
    return {
      cores: os.cpus().length,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
      llmThreadsPerWorker: Number(common.LLM_THREADS),
      maxTokens: MAX_TOKENS,
      rounds,
      bestQuestionsPerMinute: Object.fromEntries(WORKERS.map((n) => [`${n}`, best(n)])),
      ratioToOneWorker: Object.fromEntries(WORKERS.map((n) => [`${n}`, round(best(n) / one, 2)])),
      predictedQuestionsPerMinute: Object.fromEntries([2, 4, 8].map((cores) => [`${cores} cores, ${cores} workers`, round(one * cores, 1)])),
      note: 'One run on a shared machine: noisy. Workers beyond the core count share the cores and cannot add throughput; coresBusy near the core count says the cores are the bottleneck. The prediction (one worker\'s rate x min(workers, cores)) is an upper bound: memory bandwidth and the web\'s own share cap it.',
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await deleteRabbitPrefix(prefix).catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
