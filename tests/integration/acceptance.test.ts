/**
 * The foundation's acceptance test: web, ingest worker, answer worker and analytics consumer as
 * four OS processes over a real RabbitMQ and a real Kafka, with the small real models. Upload a
 * PDF, wait for ready, ask a question only it answers, stream the cited answer, vote up, and see
 * the answer, vote, latency and sentiment in the analytics summary.
 */
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acceptanceFlow } from '../support/acceptance-flow.ts';
import { brokerRoleEnv } from '../support/brokers-env.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';

const procs: RoleProcess[] = [];
let base: string;
let tmp: string;

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-accept-'));
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const [webPort, analyticsPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${webPort}`;
  const common = {
    ...brokerRoleEnv(prefix),
    ...testRoleEnv(path.join(tmp, 'vectorstore')),
  };
  const analytics = startRole('analytics', 'analytics.ts', { ...common, DATA_DIR: path.join(tmp, 'analytics'), ANALYTICS_PORT: String(analyticsPort) });
  const ingest = startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'ingest') });
  const answer = startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'answer'), WORKER_ID: 'answer-1' });
  const web = startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(webPort), ANALYTICS_URL: `http://127.0.0.1:${analyticsPort}` });
  procs.push(analytics, ingest, answer, web);
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${analyticsPort}/healthz`, 120_000, procs),
    waitForOutput(ingest, 'ingest worker ready', 120_000),
    waitForOutput(answer, 'answer worker ready', 120_000),
    waitForHttp(`${base}/readyz`, 120_000, procs),
  ]);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
});

test('four processes over RabbitMQ and Kafka: upload, ask, stream, vote, analytics', async () => {
  try {
    const r = await acceptanceFlow(base);
    console.log(`# multi-process: ${r.tokenEvents} token events, first at ${r.firstTokenAtMs} ms, done at ${r.doneAtMs} ms`);
  } catch (err) {
    throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
  }
});
