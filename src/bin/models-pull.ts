/** Entrypoint: `npm run models:pull -- [--chat-only|--embed-only] [--force] [--base-url=URL]`. */
import { errorMessage } from '../errors.ts';
import { parsePullArgs, PULL_USAGE } from '../models/args.ts';
import { createProgressReporter } from '../models/progress-bar.ts';
import { pullModels } from '../models/pull.ts';
import { configOrExit } from './config-or-exit.ts';

try {
  const args = parsePullArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(PULL_USAGE);
    process.exit(0);
  }
  const config = configOrExit();
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  const r = await pullModels({
    chatPath: config.models.chat,
    embedDir: config.models.embed,
    chat: args.chat,
    embed: args.embed,
    force: args.force,
    baseUrl: args.baseUrl,
    progress: (label) => createProgressReporter(label),
    say: (line) => process.stdout.write(`${line}\n`),
    signal: ac.signal,
  });
  process.stdout.write(`done: ${r.downloaded.length} downloaded, ${r.kept.length} already present\n`);
} catch (err) {
  process.stderr.write(`models:pull failed: ${errorMessage(err)}\n`);
  process.exit(1);
}
