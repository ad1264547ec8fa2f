/** Command-line flags of `npm run models:pull`. */
import { InvalidInputError } from '../errors.ts';

export interface PullArgs {
  chat: boolean;
  embed: boolean;
  force: boolean;
  baseUrl: string | undefined;
  help: boolean;
}

export const PULL_USAGE = `usage: npm run models:pull -- [--chat-only | --embed-only] [--force] [--base-url=URL]
  --chat-only     only the chat model (CHAT_MODEL)
  --embed-only    only the embedding model (EMBED_MODEL)
  --force         download again even if the files exist
  --base-url=URL  a Hugging Face mirror (default https://huggingface.co)
`;

export function parsePullArgs(argv: string[]): PullArgs {
  const a: PullArgs = { chat: true, embed: true, force: false, baseUrl: undefined, help: false };
  let chatOnly = false;
  let embedOnly = false;
  for (const arg of argv) {
    if (arg === '--chat-only') chatOnly = true;
    else if (arg === '--embed-only') embedOnly = true;
    else if (arg === '--force') a.force = true;
    else if (arg === '--help' || arg === '-h') a.help = true;
    else if (arg.startsWith('--base-url=')) a.baseUrl = arg.slice('--base-url='.length);
    else throw new InvalidInputError(`unknown option ${arg}\n${PULL_USAGE}`);
  }
  if (chatOnly && embedOnly) throw new InvalidInputError('--chat-only and --embed-only exclude each other');
  if (chatOnly) a.embed = false;
  if (embedOnly) a.chat = false;
  if (a.baseUrl !== undefined && !/^https?:\/\/\S+$/.test(a.baseUrl)) throw new InvalidInputError(`--base-url must be an http(s) URL, got "${a.baseUrl}"`);
  return a;
}
