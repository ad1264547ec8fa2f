/**
 * `npm run users -- <command>`: manages the accounts in DATA_DIR/accounts.db directly (the web may be
 * running: SQLite's WAL lets both use the file; a new password or a removal takes effect at the
 * web's next request).
 *   add NAME [--admin]        a member (or an admin); the password is asked for
 *   list                      name, role, created, disabled
 *   remove NAME               the user, their sessions and API tokens
 *   reset-password NAME       a new password; ends the user's sessions
 *   role NAME admin|member    changes the role (e.g. a single sign-on user made the first admin)
 *   token NAME [--label L]    a new personal API token, printed once (for DOCENT_TOKEN)
 *   invite [--label L]        a sign-up invite link (SIGNUP=invite), printed once, under DOCENT_URL
 * Passwords are read without echo from a terminal (twice, to catch typos), or as the first line of
 * stdin when it is not a terminal (scripts: `printf '%s\n' "$PW" | npm run users -- add ada`).
 * Exit codes: 0 done, 1 refused (the message says why), 2 usage.
 */
import { AppError } from '../errors.ts';
import type { Accounts } from './accounts.ts';
import { inviteLink } from './invites.ts';

export interface UsersCliOptions {
  /** The base of invite links (config DOCENT_URL: the address people open Docent at). */
  serviceUrl: string;
  /** Config SIGNUP: an invite made while it is not `invite` gets a warning. */
  signUp: 'off' | 'invite' | 'open';
}

export interface UsersCliIo {
  /** Reads a password: `prompt` is shown on a terminal; from a pipe, the next line of stdin. */
  readPassword(prompt: string): Promise<string>;
  /** True when the password comes from a terminal (asked twice). */
  interactive: boolean;
  out(text: string): void;
  err(text: string): void;
}

export const USAGE = `usage: npm run users -- <command>
  add NAME [--admin]       add a user (a member, or an admin); asks for the password
  list                     list the users
  remove NAME              remove a user with their sessions and API tokens
  reset-password NAME      set a new password; ends the user's sessions
  role NAME admin|member   make a user an admin or a member (the last admin stays one)
  token NAME [--label L]   make a personal API token (printed once; use it as DOCENT_TOKEN)
  invite [--label L]       make a single-use sign-up link (SIGNUP=invite; printed once)
The password is read from stdin when it is not a terminal (first line).
`;

const when = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

async function newPassword(io: UsersCliIo): Promise<string> {
  const first = await io.readPassword('Password: ');
  if (io.interactive && (await io.readPassword('Again: ')) !== first) throw new AppError('The two passwords differ; nothing was changed.');
  return first;
}

/** Runs one command; the exit code. */
export async function runUsersCli(argv: readonly string[], accounts: Accounts, io: UsersCliIo, opts: UsersCliOptions = { serviceUrl: 'http://127.0.0.1:3000', signUp: 'off' }): Promise<number> {
  const [command, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a, i) => !a.startsWith('--') && rest[i - 1] !== '--label');
  const label = rest.includes('--label') ? rest[rest.indexOf('--label') + 1] : undefined;
  const name = args[0];
  const known: Record<string, string[]> = { add: ['--admin'], list: [], remove: [], 'reset-password': [], token: ['--label'], role: [], invite: ['--label'] };
  const allowed = command === undefined ? undefined : known[command];
  if (!allowed || flags.some((f) => !allowed.includes(f)) || (command === 'invite' && args.length > 0) || (command !== 'list' && command !== 'invite' && (name === undefined || args.length > (command === 'role' ? 2 : 1))) || (command === 'role' && args[1] !== 'admin' && args[1] !== 'member') || (command === 'list' && args.length > 0)) {
    io.err(USAGE);
    return 2;
  }
  try {
    switch (command) {
      case 'add': {
        const user = await accounts.addUser(name!, flags.includes('--admin') ? 'admin' : 'member', await newPassword(io));
        io.out(`Added ${user.role} "${user.name}".${user.role === 'admin' && accounts.listUsers().length === 1 ? ' Sign-in is now required: sign in at /login.' : ''}\n`);
        break;
      }
      case 'list': {
        const users = accounts.listUsers();
        if (users.length === 0) io.out('No users: Docent runs single-user. Add the first admin with `npm run users -- add NAME --admin`.\n');
        for (const u of users) io.out(`${u.name}\t${u.role}\tcreated ${when(u.createdAt)}${u.disabled ? '\tdisabled' : ''}\n`);
        break;
      }
      case 'remove': {
        const user = accounts.removeUser(name!);
        io.out(`Removed "${user.name}" with their sessions and API tokens.\n`);
        break;
      }
      case 'reset-password': {
        const user = await accounts.resetPassword(name!, await newPassword(io));
        io.out(`New password set for "${user.name}"; their sessions were ended (API tokens stay).\n`);
        break;
      }
      case 'role': {
        const user = accounts.setRole(name!, args[1] as 'admin' | 'member');
        io.out(`"${user.name}" is now ${user.role === 'admin' ? 'an admin' : 'a member'}.\n`);
        break;
      }
      case 'token': {
        const { token, user } = accounts.createTokenFor(name!, label ?? 'command line');
        io.err(`A new API token for "${user.name}" (shown once; revoke it on the Settings page):\n`);
        io.out(`${token}\n`);
        break;
      }
      case 'invite': {
        const { token, invite } = accounts.invites.create(label ?? '', null);
        if (opts.signUp !== 'invite') io.err(`Note: SIGNUP is ${opts.signUp} here; the link works only while the web runs with SIGNUP=invite.\n`);
        io.err(`A sign-up link (shown once; works once, until ${new Date(invite.expiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC):\n`);
        io.out(`${inviteLink(opts.serviceUrl, token)}\n`);
        break;
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      io.err(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
