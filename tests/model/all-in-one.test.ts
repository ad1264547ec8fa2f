/**
 * The acceptance journey against `npm start` (every role in one process, in-process bus and event
 * log) with the small real test models.
 */
import { after, before, test } from 'node:test';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acceptanceFlow } from '../support/acceptance-flow.ts';
import { freePort, startRole, waitForHttp, type RoleProcess } from '../support/processes.ts';
import { testModels } from '../support/test-models.ts';

let proc: RoleProcess;
let base: string;
let tmp: string;

before(async () => {
  const models = testModels();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-aio-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = startRole('all-in-one', 'start.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(tmp, 'data'),
    VECTORSTORE_DIR: path.join(tmp, 'vectorstore'),
    CHAT_MODEL: models.chat,
    EMBED_MODEL: models.embed,
    LLM_THREADS: '1',
    AMQP_URL: '',
    KAFKA_BROKERS: '',
  });
  await waitForHttp(`${base}/readyz`, 120_000, [proc]);
});

after(async () => {
  await proc?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

test('all-in-one: upload a PDF, ask, stream a cited answer, vote, see analytics', async () => {
  try {
    const r = await acceptanceFlow(base);
    console.log(`# all-in-one: ${r.tokenEvents} token events, first at ${r.firstTokenAtMs} ms, done at ${r.doneAtMs} ms; answer: ${JSON.stringify(r.answer.slice(0, 120))}`);
  } catch (err) {
    throw new Error(`${String(err)}\n--- service output\n${proc.output()}`, { cause: err });
  }
});
