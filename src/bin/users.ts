/** Entrypoint: `npm run users -- add|list|remove|reset-password|role|token|invite …` (src/accounts/users-cli.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { AccountStore } from '../accounts/account-store.ts';
import { Accounts } from '../accounts/accounts.ts';
import { askHidden, pipedLines } from '../accounts/password-input.ts';
import { runUsersCli } from '../accounts/users-cli.ts';
import { configOrExit } from './config-or-exit.ts';

const config = configOrExit();
fs.mkdirSync(config.paths.data, { recursive: true });
const accounts = new Accounts(new AccountStore(path.join(config.paths.data, 'accounts.db')), config.auth);
const interactive = process.stdin.isTTY;
const nextLine = interactive ? undefined : pipedLines(process.stdin);
const code = await runUsersCli(process.argv.slice(2), accounts, {
  interactive,
  readPassword: (prompt) => (nextLine ? nextLine() : askHidden(prompt, process.stdin, process.stderr)),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}, { serviceUrl: config.cli.serviceUrl, signUp: config.auth.signup }).finally(() => accounts.close());
process.exit(code);
