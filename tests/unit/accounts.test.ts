/**
 * Accounts below the web: password hashes (scrypt, parameters in the stored form), the store and
 * its rules (names, sessions' idle and absolute expiry, tokens), sign-in throttling, the users CLI
 * with the password on stdin, and the start-up mode rule (no users + a non-loopback HOST).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccountStore, secretHash } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { AuthModeError, decideAuthMode, isLoopbackHost } from '../../src/accounts/auth-mode.ts';
import { hashParams, hashPassword, needsRehash, verifyPassword } from '../../src/accounts/password-hash.ts';
import { parseConfig } from '../../src/config.ts';

const FAST = { logN: 10, r: 8, p: 1 };
const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-accounts-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function accounts(now = { t: 1_000_000 }): { a: Accounts; clock: { t: number } } {
  const a = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 60 * 60_000, sessionMaxMs: 24 * 3_600_000, now: () => now.t, scrypt: FAST });
  return { a, clock: now };
}

void describe('password hashes', () => {
  void test('round trip with the default parameters (scrypt N=2^15, r=8, p=1, 16-byte salt) stored in the hash', async () => {
    const stored = await hashPassword('correct horse');
    const m = /^scrypt\$15\$8\$1\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
    assert.ok(m, stored);
    assert.equal(Buffer.from(m[1]!, 'base64url').length, 16);
    assert.equal(Buffer.from(m[2]!, 'base64url').length, 64);
    assert.deepEqual(hashParams(stored), { logN: 15, r: 8, p: 1 });
    assert.equal(await verifyPassword('correct horse', stored), true);
    assert.equal(await verifyPassword('correct horsE', stored), false);
    assert.notEqual(await hashPassword('correct horse'), stored, 'a new salt per hash');
    assert.equal(needsRehash(stored), false);
  });

  void test('a hash made with other parameters still verifies, and weaker ones ask for a re-hash', async () => {
    const weak = await hashPassword('pw-12345', FAST);
    assert.equal(await verifyPassword('pw-12345', weak), true);
    assert.equal(needsRehash(weak), true);
    assert.equal(await verifyPassword('pw-12345', 'not a hash'), false);
    assert.equal(await verifyPassword('pw-12345', weak.replace(/^scrypt\$10/, 'scrypt$40')), false, 'absurd cost refused, not computed');
  });
});

void describe('account rules', () => {
  void test('names are unique in any case, checked, and passwords need 8 characters', async () => {
    const { a } = accounts();
    await a.addUser('Ada', 'admin', 'password1');
    await assert.rejects(a.addUser('ADA', 'member', 'password2'), /taken/);
    await assert.rejects(a.addUser('two words', 'member', 'password2'), /not a usable user name/);
    await assert.rejects(a.addUser('bob', 'member', 'short'), /at least 8/);
    assert.deepEqual(a.listUsers().map((u) => [u.name, u.role]), [['Ada', 'admin']]);
  });

  void test('sessions end after the idle timeout, after the absolute one, and when the password is reset', async () => {
    const { a, clock } = accounts();
    await a.addUser('ada', 'member', 'password1');
    const s1 = await a.signIn('Ada', 'password1', '10.0.0.1');
    assert.ok(s1.ok);
    clock.t += 59 * 60_000;
    assert.equal(a.sessionUser(s1.sessionId)?.name, 'ada', 'active within the idle time');
    clock.t += 59 * 60_000;
    assert.equal(a.sessionUser(s1.sessionId)?.name, 'ada', 'a request renewed it');
    clock.t += 61 * 60_000;
    assert.equal(a.sessionUser(s1.sessionId), undefined, 'idle past an hour');
    const s2 = await a.signIn('ada', 'password1', '10.0.0.1');
    assert.ok(s2.ok);
    for (let i = 0; i < 30; i++) {
      clock.t += 50 * 60_000;
      if (a.sessionUser(s2.sessionId) === undefined) break;
    }
    assert.equal(a.sessionUser(s2.sessionId), undefined, 'ended by the absolute limit though active');
    const s3 = await a.signIn('ada', 'password1', '10.0.0.1');
    assert.ok(s3.ok);
    await a.resetPassword('ada', 'password2');
    assert.equal(a.sessionUser(s3.sessionId), undefined);
    assert.equal((await a.signIn('ada', 'password1', '10.0.0.1')).ok, false);
    assert.equal((await a.signIn('ada', 'password2', '10.0.0.1')).ok, true);
  });

  void test('a sign-in re-hashes a password made with weaker parameters, and keeps the sessions', async () => {
    const store = new AccountStore(':memory:');
    const opts = { sessionIdleMs: 60_000, sessionMaxMs: 120_000 };
    const weak = new Accounts(store, { ...opts, scrypt: FAST });
    await weak.addUser('ada', 'member', 'password1');
    const s = await weak.signIn('ada', 'password1', '::1');
    assert.ok(s.ok);
    const strong = new Accounts(store, { ...opts, scrypt: { logN: 12, r: 8, p: 1 } });
    assert.ok((await strong.signIn('ada', 'password1', '::1')).ok);
    assert.equal(hashParams(store.findByName('ada')!.passwordHash!)?.logN, 12);
    assert.equal(strong.sessionUser(s.sessionId)?.name, 'ada', 'the earlier session stays');
    assert.ok((await strong.signIn('ada', 'password1', '::1')).ok);
    store.close();
  });

  void test('session ids and tokens are stored as their SHA-256 only', async () => {
    const dir = tmp();
    const file = path.join(dir, 'accounts.db');
    const a = new Accounts(new AccountStore(file), { sessionIdleMs: 60_000, sessionMaxMs: 120_000, scrypt: FAST });
    const user = await a.addUser('ada', 'member', 'password1');
    const s = await a.signIn('ada', 'password1', '::1');
    assert.ok(s.ok);
    const { token } = a.createToken(user.id, 'laptop');
    a.close();
    const bytes = fs.readFileSync(file).toString('latin1') + (fs.existsSync(`${file}-wal`) ? fs.readFileSync(`${file}-wal`).toString('latin1') : '');
    assert.ok(!bytes.includes(s.sessionId) && !bytes.includes(token), 'no secret in the file');
    assert.ok(bytes.includes(secretHash(token)));
  });

  void test('throttling: 5 failures lock the account from that address for a while, then it may try again', async () => {
    const { a, clock } = accounts();
    await a.addUser('ada', 'member', 'password1');
    for (let i = 0; i < 5; i++) assert.deepEqual(await a.signIn('ada', 'wrong-pass', '10.0.0.9'), { ok: false });
    const locked = await a.signIn('ada', 'password1', '10.0.0.9');
    assert.equal(locked.ok, false);
    assert.ok(!locked.ok && locked.retryAfterSeconds === 30, JSON.stringify(locked));
    assert.equal((await a.signIn('ada', 'password1', '10.0.0.10')).ok, true, 'the owner elsewhere is not locked out');
    clock.t += 31_000;
    assert.deepEqual(await a.signIn('ada', 'wrong-pass', '10.0.0.9'), { ok: false });
    const longer = await a.signIn('ada', 'password1', '10.0.0.9');
    assert.ok(!longer.ok && longer.retryAfterSeconds === 60, 'doubles with each further failure');
    for (let i = 0; i < 20; i++) {
      clock.t += 16 * 60_000;
      await a.signIn('ada', 'wrong-pass', '10.0.0.9');
    }
    const capped = await a.signIn('ada', 'password1', '10.0.0.9');
    assert.ok(!capped.ok && capped.retryAfterSeconds !== undefined && capped.retryAfterSeconds <= 15 * 60, 'never longer than 15 minutes');
    clock.t += 15 * 60_000 + 1000;
    assert.equal((await a.signIn('ada', 'password1', '10.0.0.9')).ok, true, 'not locked forever');
  });

  void test('throttling settings (SIGNIN_*): the allowances and locks come from the config, as the web builds its accounts', async () => {
    const clock = { t: 1_000_000 };
    const { auth } = parseConfig({ SIGNIN_FAILURES_PER_NAME_AND_ADDRESS: '2', SIGNIN_FAILURES_PER_ADDRESS: '3', SIGNIN_FAILURES_PER_NAME: '4', SIGNIN_LOCK_SECONDS: '10', SIGNIN_LOCK_MAX_MINUTES: '1' });
    const a = new Accounts(new AccountStore(':memory:'), { ...auth, now: () => clock.t, scrypt: FAST });
    await a.addUser('ada', 'member', 'password1');
    await a.addUser('bob', 'member', 'password1');
    for (let i = 0; i < 2; i++) assert.deepEqual(await a.signIn('ada', 'wrong-pass', '10.0.0.9'), { ok: false });
    assert.deepEqual(await a.signIn('ada', 'password1', '10.0.0.9'), { ok: false, retryAfterSeconds: 10 }, 'locked after 2 (name and address), for 10 s');
    clock.t += 11_000;
    assert.deepEqual(await a.signIn('bob', 'wrong-pass', '10.0.0.9'), { ok: false });
    assert.deepEqual(await a.signIn('bob', 'password1', '10.0.0.9'), { ok: false, retryAfterSeconds: 10 }, 'the address spent its 3 over two names');
    for (let i = 0; i < 6; i++) {
      clock.t += 70_000;
      await a.signIn('ada', 'wrong-pass', `10.0.1.${i}`);
    }
    const capped = await a.signIn('ada', 'password1', '10.0.2.1');
    assert.deepEqual(capped, { ok: false, retryAfterSeconds: 60 }, 'the name spent its 4 from many addresses; the lock doubles (10, 20, 40, 80 s) up to 1 minute');
    assert.deepEqual(parseConfig({}).auth.signInThrottle, { perNameAndAddress: 5, perAddress: 20, perName: 50, firstLockMs: 30_000, maxLockMs: 15 * 60_000 });
  });

  void test('throttling settings cannot turn the throttle off, and out-of-range values stop the start', () => {
    for (const v of ['0', 'off', '-1', '2.5']) {
      assert.throws(() => parseConfig({ SIGNIN_FAILURES_PER_ADDRESS: v }), /SIGNIN_FAILURES_PER_ADDRESS: must be a whole number of at least 1: the sign-in throttle cannot be turned off, only raised/, v);
    }
    assert.throws(() => parseConfig({ SIGNIN_FAILURES_PER_NAME_AND_ADDRESS: '1001' }), /SIGNIN_FAILURES_PER_NAME_AND_ADDRESS: must be at most 1000/);
    assert.throws(() => parseConfig({ SIGNIN_LOCK_SECONDS: '0' }), /SIGNIN_LOCK_SECONDS/);
    assert.throws(() => parseConfig({ SIGNIN_LOCK_SECONDS: '600', SIGNIN_LOCK_MAX_MINUTES: '5' }), /SIGNIN_LOCK_MAX_MINUTES: must be at least SIGNIN_LOCK_SECONDS \(600 s\)/);
  });

  void test('an unknown name and a wrong password are refused alike', async () => {
    const { a } = accounts();
    await a.addUser('ada', 'member', 'password1');
    assert.deepEqual(await a.signIn('nobody', 'password1', '1.2.3.4'), { ok: false });
    assert.deepEqual(await a.signIn('ada', 'password2', '1.2.3.5'), { ok: false });
  });
});

void describe('npm run users', () => {
  const run = (dataDir: string, args: string[], input = ''): { code: number | null; out: string; err: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/bin/users.ts', ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dataDir },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  void test('add (password on stdin), list, token, reset-password, remove against DATA_DIR/accounts.db', async () => {
    const dir = tmp();
    assert.match(run(dir, ['list']).out, /No users/);
    const added = run(dir, ['add', 'Ada', '--admin'], 'first-pass-1\n');
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, /Added admin "Ada"/);
    assert.equal(run(dir, ['add', 'bob'], 'bob-password\n').code, 0);
    assert.equal(run(dir, ['add', 'ADA'], 'whatever-1\n').code, 1, 'taken in any case');
    assert.match(run(dir, ['list']).out, /^Ada\tadmin\tcreated .*\nbob\tmember\tcreated /);
    const token = run(dir, ['token', 'bob']);
    assert.equal(token.code, 0, token.err);
    assert.match(token.out, /^dct_[A-Za-z0-9_-]{43}\n$/);

    const opts = { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 };
    const a = new Accounts(new AccountStore(path.join(dir, 'accounts.db')), opts);
    const s = await a.signIn('ada', 'first-pass-1', '::1');
    assert.ok(s.ok, 'the CLI password signs in');
    assert.equal(a.tokenUser(token.out.trim())?.name, 'bob');

    assert.equal(run(dir, ['reset-password', 'ada'], 'second-pass-2\n').code, 0);
    assert.equal(a.sessionUser(s.sessionId), undefined, 'the reset ended the session');
    assert.equal((await a.signIn('ada', 'second-pass-2', '::1')).ok, true);

    const removed = run(dir, ['remove', 'bob']);
    assert.equal(removed.code, 0, removed.err);
    assert.equal(a.tokenUser(token.out.trim()), undefined, 'removal revoked the token');
    assert.equal(run(dir, ['remove', 'bob']).code, 1);
    assert.equal(run(dir, ['add'], '').code, 2, 'usage');
    assert.equal(run(dir, ['add', 'carol'], '').code !== 0, true, 'no password on stdin');
    a.close();
  });
});

void describe('mode at start', () => {
  void test('no users on a non-loopback HOST is refused with how to add the first admin; AUTH=off allows it', () => {
    assert.equal(decideAuthMode('auto', false, '127.0.0.1'), 'single-user');
    assert.equal(decideAuthMode('auto', false, 'localhost'), 'single-user');
    assert.equal(decideAuthMode('auto', false, '::1'), 'single-user');
    assert.throws(() => decideAuthMode('auto', false, '0.0.0.0'), (err: Error) => err instanceof AuthModeError && err.message.includes('npm run users -- add NAME --admin') && err.message.includes('AUTH=off'));
    assert.throws(() => decideAuthMode('auto', false, '192.168.1.5'), AuthModeError);
    assert.equal(decideAuthMode('off', false, '0.0.0.0'), 'off');
    assert.equal(decideAuthMode('auto', true, '0.0.0.0'), 'sign-in');
    assert.equal(isLoopbackHost('127.1.2.3'), true);
    assert.equal(isLoopbackHost('[::1]'), true);
    assert.equal(isLoopbackHost('example.com'), false);
  });

  void test('AUTH, SESSION_IDLE_MINUTES, SESSION_MAX_DAYS, SIGNUP and INVITE_TTL_HOURS are parsed, with defaults', () => {
    const d = parseConfig({});
    const { signInThrottle, ...auth } = d.auth;
    assert.deepEqual(auth, { mode: 'auto', sessionIdleMs: 7 * 86_400_000, sessionMaxMs: 30 * 86_400_000, oidc: undefined, signup: 'off', inviteTtlMs: 72 * 3_600_000 });
    assert.equal(signInThrottle.perNameAndAddress, 5);
    const c = parseConfig({ AUTH: 'off', SESSION_IDLE_MINUTES: '30', SESSION_MAX_DAYS: '2', DOCENT_TOKEN: 'dct_x', SIGNUP: 'invite', INVITE_TTL_HOURS: '24' });
    assert.deepEqual({ ...c.auth, signInThrottle: undefined }, { signInThrottle: undefined, mode: 'off', sessionIdleMs: 30 * 60_000, sessionMaxMs: 2 * 86_400_000, oidc: undefined, signup: 'invite', inviteTtlMs: 24 * 3_600_000 });
    assert.equal(c.cli.token, 'dct_x');
    assert.throws(() => parseConfig({ AUTH: 'maybe' }), /AUTH/);
    assert.throws(() => parseConfig({ SIGNUP: 'everyone' }), /SIGNUP/);
    assert.throws(() => parseConfig({ INVITE_TTL_HOURS: '0' }), /INVITE_TTL_HOURS/);
  });
});
