/**
 * Rate limits hold across web processes: two web processes, each its own OS process on the real
 * RabbitMQ, share one DATA_DIR (as the Helm chart's ReadWriteMany volume shares it). Failed sign-ins
 * spread over both lock the account on both, and questions spread over both spend one allowance
 * (RATE_LIMIT_ASK_PER_MINUTE=3: two on web A, then two on web B, the fourth is 429 + Retry-After).
 * No answer worker runs: a question accepted is one the web counted and published (its stream has
 * started), which is all the limit is about; the test then lets go of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { brokerUrls } from '../support/brokers-env.ts';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { freePort, startRole, testRoleEnv, waitForHttp, type RoleProcess } from '../support/processes.ts';

const procs: RoleProcess[] = [];
const prefix = `t${randomBytes(4).toString('hex')}.`;
let tmp: string;
let webA: string;
let webB: string;
let token: string;

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-rates-apart-'));
  const data = path.join(tmp, 'data');
  await fs.mkdir(data, { recursive: true });
  // The user exists before the webs start (as `npm run users -- add` would make them): sign-in is on.
  const accounts = new Accounts(new AccountStore(path.join(data, 'accounts.db')), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 });
  await accounts.addUser('ada', 'admin', 'ada-password');
  token = accounts.createTokenFor('ada', 'test').token;
  accounts.close();
  const env = {
    AMQP_URL: brokerUrls().amqpUrl,
    AMQP_PREFIX: prefix,
    KAFKA_BROKERS: '',
    ...testRoleEnv(path.join(tmp, 'vectorstore')),
    DATA_DIR: data,
    RATE_LIMIT_ASK_PER_MINUTE: '3',
    RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '100',
  };
  const [portA, portB] = [await freePort(), await freePort()];
  procs.push(startRole('web-a', 'web.ts', { ...env, PORT: String(portA) }), startRole('web-b', 'web.ts', { ...env, PORT: String(portB) }));
  webA = `http://127.0.0.1:${portA}`;
  webB = `http://127.0.0.1:${portB}`;
  await Promise.all([waitForHttp(`${webA}/readyz`, 180_000, procs), waitForHttp(`${webB}/readyz`, 180_000, procs)]);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await deleteRabbitPrefix(prefix).catch(() => undefined);
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

const signIn = (base: string, password: string): Promise<Response> =>
  fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: 'ada', password }).toString() });

/** Asks on `base` as ada, streamed; returns the status and headers once the reply starts, then lets go of the answer. */
async function ask(base: string): Promise<{ status: number; retryAfter: string | null; body: string }> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    signal: abort.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ question: 'Who keeps pier 4?' }),
  });
  const out = { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.status === 200 ? '' : await res.text() };
  abort.abort();
  return out;
}

void test('failed sign-ins spread over two web processes lock the account on both', async () => {
  try {
    for (let i = 0; i < 3; i++) assert.equal((await signIn(webA, `wrong-a-${i}`)).status, 401);
    for (let i = 0; i < 2; i++) assert.equal((await signIn(webB, `wrong-b-${i}`)).status, 401);
    for (const base of [webA, webB]) {
      const locked = await signIn(base, 'ada-password');
      assert.equal(locked.status, 429, `5 failures over both webs: ${base} refuses even the right password`);
      const wait = Number(locked.headers.get('retry-after'));
      assert.ok(wait > 0 && wait <= 30, `Retry-After ${wait}`);
      assert.match(await locked.text(), /Too many failed sign-ins\. Try again in \d+ seconds\./);
    }
  } catch (err) {
    fail(err);
  }
});

void test('questions spread over two web processes spend one allowance: the 4th of 3 per minute is 429 + Retry-After', async () => {
  try {
    assert.equal((await ask(webA)).status, 200);
    assert.equal((await ask(webA)).status, 200);
    assert.equal((await ask(webB)).status, 200);
    const fourth = await ask(webB);
    assert.equal(fourth.status, 429, fourth.body);
    const wait = Number(fourth.retryAfter);
    assert.ok(wait > 0 && wait <= 60, `Retry-After ${fourth.retryAfter}`);
    assert.match((JSON.parse(fourth.body) as { error: string }).error, /^Too many questions: at most 3 per minute for your account\. Try again in \d+ seconds?\.$/);
    assert.equal((await ask(webA)).status, 429, 'and on web A');
  } catch (err) {
    fail(err);
  }
});
