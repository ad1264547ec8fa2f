/**
 * `npm run bench:hostile`: the hostile set through the REAL all-in-one service (src/bin/start.ts,
 * small test models, its own data folders). Per input: the outcome a user sees, the seconds until
 * it settled (ready, failed with a reason, or refused), the peak RSS of any parse child and of the
 * service process (web and workers in one) while it ran, and the slowest /healthz answer meanwhile.
 * The 20 MB text is real work (some 24,000 chunks to embed, minutes on two cores): it is judged on
 * its upload, parse and chunking, and its embedding goes on while the rest of the set runs. Goals: each settles in under 10 s, a parse
 * child stays under 1 GB, the service under 600 MB; afterwards the service still answers a question
 * from a document uploaded before the set, citing it.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRole, waitForHttp } from '../tests/support/processes.ts';
import { testModels } from '../tests/support/test-models.ts';
import { hostileFiles } from './hostile-inputs.ts';
import { ProcessSampler } from './process-sampler.ts';
import { round } from './stats.ts';

const GOALS = { seconds: 10, childMb: 1024, serviceMb: 600 };
const SETTLE_TIMEOUT_MS = 120_000;
const FACT = 'The lighthouse keeper on Skerry Rock is named Ingrid Halvorsen.';

interface Row {
  input: string;
  outcome: string;
  seconds: number;
  childPeakMb: number;
  servicePeakMb: number;
  /** Slowest GET /healthz answer while the input ran (polled every 50 ms). */
  healthzMaxMs: number;
  ok: boolean;
}

interface Doc { id: string; status: string; stage?: string; error?: string | null; chunks?: number | null; done?: number | null; total?: number | null }

/**
 * Polls GET /healthz every 50 ms from a process of its own (this one's work, such as building a
 * 20 MB upload, would delay an in-process probe); `take` gives the slowest answer since the last take.
 */
function healthProbe(base: string): { take(): Promise<number>; stop(): void } {
  const script = `let worst = 0;
process.stdin.on('data', () => { process.stdout.write(Math.round(worst) + '\\n'); worst = 0; });
(async () => { for (;;) { const t = performance.now(); await fetch(${JSON.stringify(`${base}/healthz`)}).then((r) => r.arrayBuffer()).catch(() => undefined); worst = Math.max(worst, performance.now() - t); await new Promise((r) => setTimeout(r, 50)); } })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const answers: ((ms: number) => void)[] = [];
  lines.on('line', (l) => answers.shift()?.(Number(l)));
  return {
    take: () =>
      new Promise((resolve) => {
        answers.push(resolve);
        child.stdin.write('take\n');
      }),
    stop: () => child.kill(),
  };
}

export async function benchHostile(): Promise<Record<string, unknown>> {
  const models = testModels();
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'docent-hostile-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const svc = startRole('all-in-one', 'start.ts', {
    PORT: String(port), HOST: '127.0.0.1', DATA_DIR: path.join(tmp, 'data'), VECTORSTORE_DIR: path.join(tmp, 'vs'),
    INGEST_INBOX: path.join(tmp, 'inbox'), CHAT_MODEL: models.chat, EMBED_MODEL: models.embed, LLM_THREADS: '1', LOG_LEVEL: 'warn',
    AMQP_URL: '', KAFKA_BROKERS: '', ANALYTICS_URL: '',
  });
  const sampler = new ProcessSampler(svc.child.pid!);
  const rows: Row[] = [];
  let health: ReturnType<typeof healthProbe> | undefined;
  /** `ended`: when the input settled, if before now (the long ingest's parse, not its 15 s of watching). */
  const row = async (input: string, outcome: string, started: number, peaks: { rootMb: number; childMb: number }, ended = performance.now()): Promise<Row> => {
    const seconds = round((ended - started) / 1000, 2);
    const healthzMaxMs = (await health?.take()) ?? 0;
    const ok = seconds < GOALS.seconds && peaks.childMb < GOALS.childMb && peaks.rootMb < GOALS.serviceMb;
    process.stderr.write(`${ok ? 'ok  ' : 'OVER'} ${seconds.toFixed(2).padStart(6)} s  child ${String(peaks.childMb).padStart(5)} MB  service ${String(peaks.rootMb).padStart(5)} MB  healthz max ${healthzMaxMs} ms  ${input}: ${outcome}\n`);
    return { input, outcome, seconds, childPeakMb: peaks.childMb, servicePeakMb: peaks.rootMb, healthzMaxMs, ok };
  };
  try {
    await waitForHttp(`${base}/readyz`, 120_000, [svc]);
    const legit = await upload(base, 'skerry.txt', Buffer.from(`Notes on Skerry Rock.\n\n${FACT}\n\nThe light was automated in 1987.`));
    await settle(base, legit.id!);
    sampler.mark();
    const idle = sampler.take();
    health = healthProbe(base);

    for (const f of hostileFiles()) {
      const bytes = f.bytes();
      sampler.mark();
      await health?.take();
      const t = performance.now();
      const up = await upload(base, f.name, bytes);
      if (f.longIngest && up.id !== undefined) {
        // Parsed and chunked (in the parse child) once embedding has begun; then watch it embed.
        let lastStage = '';
        const doc = await settle(base, up.id, (d) => {
          const k = `${d.stage} ${(d.done ?? 0) > 0 ? 'embedded some' : ''}`;
          if (k !== lastStage) process.stderr.write(`     ${((performance.now() - t) / 1000).toFixed(2)} s: ${k}\n`);
          lastStage = k;
          return d.stage === 'embedding' && (d.done ?? 0) > 0;
        });
        const parsed = performance.now();
        const first = doc.done ?? 0;
        await new Promise((r) => setTimeout(r, 15_000));
        const later = (await (await fetch(`${base}/api/documents/${up.id}`)).json()) as Doc;
        const rate = ((later.done ?? first) - first) / ((performance.now() - parsed) / 1000);
        const eta = later.total && rate > 0 ? Math.round((later.total - (later.done ?? 0)) / rate) : undefined;
        const peaks = sampler.take();
        rows.push(await row(`${f.what}: upload, parse and chunk`, `${later.status}, embedding ${later.done ?? '?'}/${later.total ?? '?'} chunks at ${round(rate, 1)}/s after 15 s more (about ${eta ?? '?'} s to go); the rest of the set runs meanwhile`, t, peaks, parsed));
        continue;
      }
      let parsedAt: number | undefined;
      const doc = up.id === undefined ? undefined : await settle(base, up.id, (d) => {
        if (d.stage === 'embedding' && parsedAt === undefined) parsedAt = performance.now();
        return false;
      });
      const parse = parsedAt === undefined ? '' : ` (parsed and chunked in ${round((parsedAt - t) / 1000, 2)} s, then embedded)`;
      rows.push(await row(f.what, up.status !== 202 ? `${up.status}: ${up.error}` : `${describe(doc!)}${parse}`, t, sampler.take()));
    }

    // A chunked body (no Content-Length) of three 40 MB files: refused while it arrives.
    sampler.mark();
    let t = performance.now();
    const chunked = await chunkedUpload(port, [40, 40, 40]);
    rows.push(await row('chunked upload, 3 x 40 MB, no Content-Length', `${chunked.status}: ${chunked.error}`, t, sampler.take()));

    // A 60 MB file sent by Node's fetch (as scripts and SDKs do): the 413 must reach it.
    sampler.mark();
    t = performance.now();
    const big = await upload(base, 'big.txt', Buffer.alloc(60 * 1024 * 1024, 0x61)).catch((err: Error) => ({ status: 0, error: `${err.message} (${String((err.cause as Error | undefined)?.message ?? '')})` }));
    rows.push(await row("60 MB upload with Node's fetch", `${big.status}: ${big.error}`, t, sampler.take()));

    // The question, then six concurrent views of its cited passage in a document not yet cached.
    sampler.mark();
    t = performance.now();
    const answer = await ask(base, 'Who is the lighthouse keeper on Skerry Rock?');
    const cited = answer.sources.find((s) => s.documentId === legit.id);
    const answered = cited !== undefined && /Ingrid|Halvorsen/.test(answer.answer);
    rows.push({ ...(await row('question after the hostile set', `${answered ? 'answered' : 'NOT answered'} (cites skerry.txt: ${cited !== undefined}): ${JSON.stringify(answer.answer.slice(0, 120))}`, t, sampler.take())), ok: cited !== undefined });
    if (cited) {
      sampler.mark();
      t = performance.now();
      const views = await Promise.all(Array.from({ length: 6 }, () => fetch(`${base}/documents/${cited.documentId}/view?chunk=${encodeURIComponent(cited.chunkId)}`).then((r) => r.status)));
      const seen = sampler.take();
      const newChildren = seen.childPids.length;
      rows.push(await row('6 concurrent views of an uncached passage', `statuses ${views.join(',')}; ${newChildren} parse processes alive meanwhile (the spare included)`, t, seen));
    }
    return { goals: GOALS, idle: { serviceMb: idle.rootMb, childMb: idle.childMb }, rows, allWithinGoals: rows.every((r) => r.ok) };
  } finally {
    health?.stop();
    sampler.stop();
    await svc.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}


function describe(doc: Doc): string {
  return doc.status === 'ready' ? `ready, ${doc.chunks ?? '?'} chunks` : `${doc.status}: ${doc.error ?? ''}`;
}

async function upload(base: string, name: string, bytes: Buffer): Promise<{ status: number; id?: string; error?: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  const body = (await res.json()) as { documents?: Doc[]; error?: string };
  return { status: res.status, id: body.documents?.[0]?.id, error: body.error };
}

async function settle(base: string, id: string, enough: (d: Doc) => boolean = () => false): Promise<Doc> {
  const end = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const doc = (await (await fetch(`${base}/api/documents/${id}`)).json()) as Doc;
    if (doc.status === 'ready' || doc.status === 'failed' || enough(doc)) return doc;
    if (Date.now() > end) return { ...doc, status: `still ${doc.status} after ${SETTLE_TIMEOUT_MS / 1000} s` };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ask(base: string, question: string): Promise<{ answer: string; sources: { documentId: string; chunkId: string }[] }> {
  const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question, settings: { temperature: 0, maxTokens: 48 } }) });
  return (await res.json()) as { answer: string; sources: { documentId: string; chunkId: string }[] };
}

/** Streams multipart files of the given sizes (MB) with Transfer-Encoding: chunked. */
function chunkedUpload(port: number, sizesMb: number[]): Promise<{ status: number; error: string }> {
  return new Promise((resolve) => {
    const boundary = 'hostile-boundary';
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/documents', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, error: (JSON.parse(text || '{}') as { error?: string }).error ?? text }));
    });
    req.on('error', (err) => resolve({ status: 0, error: `connection: ${err.message}` }));
    const block = Buffer.alloc(1024 * 1024, 0x62);
    void (async () => {
      for (const [i, mb] of sizesMb.entries()) {
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="part${i}.txt"\r\nContent-Type: text/plain\r\n\r\n`);
        for (let m = 0; m < mb; m++) {
          if (req.destroyed) return;
          if (!req.write(block)) await new Promise((r) => req.once('drain', r));
        }
        req.write('\r\n');
      }
      req.end(`--${boundary}--\r\n`);
    })();
  });
}
