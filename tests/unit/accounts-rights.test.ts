/**
 * Rights per collection without the web: the rule (write implies read, a user's level is the higher
 * of theirs and everyone's, admins have every right), the store (a grant replaces the earlier
 * level, first-run defaults given once, a removed user's rights go with them) and the defaults
 * (General open to everyone for writing, a member's new collection theirs to write).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { CollectionAccess, EVERYONE } from '../../src/accounts/rights.ts';

const open = () => new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 60_000, sessionMaxMs: 60_000, scrypt: { logN: 10, r: 8, p: 1 } });

void test('write implies read; the higher of a user grant and everyone’s counts; admins may do anything', () => {
  const bob = { id: 'u1', role: 'member' as const };
  const a = new CollectionAccess(bob, [
    { collectionId: 'c1', grantee: EVERYONE, level: 'read' },
    { collectionId: 'c1', grantee: 'u1', level: 'write' },
    { collectionId: 'c2', grantee: 'u1', level: 'read' },
    { collectionId: 'c3', grantee: 'u2', level: 'write' },
  ]);
  assert.deepEqual([a.may('read', 'c1'), a.may('write', 'c1'), a.may('read', 'c2'), a.may('write', 'c2'), a.may('read', 'c3')], [true, true, true, false, false]);
  assert.deepEqual(a.readable(['c3', 'c2', 'c1']), ['c2', 'c1']);
  assert.equal(a.mayReadDocument(['c3', 'c2']), true);
  assert.equal(a.mayWriteDocument(['c1', 'c2']), false);
  assert.equal(a.mayWriteDocument([]), false);
  const admin = new CollectionAccess({ id: 'u9', role: 'admin' }, []);
  assert.equal(admin.may('write', 'anything'), true);
});

void test('defaults: General is everyone:write once; revoked, it stays revoked; a member’s new collection is theirs', async () => {
  const accounts = open();
  const bob = await accounts.addUser('bob', 'member', 'bob-password');
  assert.equal(accounts.rights.accessFor(bob).level('general'), 'write');
  accounts.rights.revoke('general', 'everyone');
  assert.equal(accounts.rights.seedDefaults(), false);
  assert.equal(accounts.rights.accessFor(bob).level('general'), undefined);
  accounts.rights.collectionCreated('mine', bob);
  accounts.rights.collectionCreated('theirs', { id: 'x', role: 'admin' });
  assert.deepEqual(accounts.rights.list().map((g) => [g.collectionId, g.grantee, g.level]), [['mine', bob.id, 'write']]);
  accounts.close();
});

void test('a grant replaces the earlier level; removing a user or a collection drops their rights', async () => {
  const accounts = open();
  await accounts.addUser('bob', 'member', 'bob-password');
  accounts.rights.grant('c1', 'bob', 'write');
  accounts.rights.grant('c1', 'BOB', 'read');
  accounts.rights.grant('c2', 'bob', 'read');
  accounts.rights.grant('c2', 'everyone', 'read');
  assert.deepEqual(accounts.rights.list().filter((g) => g.collectionId === 'c1').map((g) => g.level), ['read']);
  assert.throws(() => accounts.rights.grant('c1', 'nobody', 'read'), /There is no user "nobody"/);
  accounts.removeUser('bob');
  assert.deepEqual(accounts.rights.list().map((g) => `${g.collectionId}:${g.grantee}`), ['c2:*', 'general:*']);
  accounts.rights.collectionDeleted('c2');
  assert.deepEqual(accounts.rights.list().map((g) => g.collectionId), ['general']);
  accounts.close();
});

void test('the last admin cannot be made a member', async () => {
  const accounts = open();
  await accounts.addUser('Ada', 'admin', 'ada-password');
  assert.throws(() => accounts.setRole('ada', 'member'), /last admin/);
  await accounts.addUser('Eve', 'admin', 'eve-password');
  assert.equal(accounts.setRole('ada', 'member').role, 'member');
  accounts.close();
});
