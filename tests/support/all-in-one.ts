/**
 * Starts `npm start` (every role in one process, in-process bus and event log) as a child on a
 * free port with the small real test models and a fresh data and vectorstore directory; `stop()`
 * ends it and removes the directory.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRole, waitForHttp, type RoleProcess } from './processes.ts';
import { testModels } from './test-models.ts';

export interface AllInOne {
  proc: RoleProcess;
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  stop(): Promise<void>;
}

export async function startAllInOne(tmpPrefix: string): Promise<AllInOne> {
  const models = testModels();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), tmpPrefix));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startRole('all-in-one', 'start.ts', {
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
  const stop = async (): Promise<void> => {
    await proc.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${base}/readyz`, 120_000, [proc]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { proc, base, stop };
}
