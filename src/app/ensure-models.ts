/**
 * Before the all-in-one process loads its models: the default models that are missing are
 * downloaded (with a progress bar), so `npm start` works on a fresh machine. A model path the
 * operator chose that does not exist is an error naming the variable, never a silent download.
 */
import fs from 'node:fs';
import { ConfigError, type Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createProgressReporter } from '../models/progress-bar.ts';
import { pullModels } from '../models/pull.ts';

export async function ensureModels(config: Config, log: Logger): Promise<void> {
  const missingChat = !fs.existsSync(config.models.chat);
  const missingEmbed = !fs.existsSync(config.models.embed);
  if (!missingChat && !missingEmbed) return;
  for (const [missing, actual, isDefault, name] of [
    [missingChat, config.models.chat, config.models.chatIsDefault, 'CHAT_MODEL'],
    [missingEmbed, config.models.embed, config.models.embedIsDefault, 'EMBED_MODEL'],
  ] as const) {
    if (missing && !isDefault) {
      throw new ConfigError(`${name}: ${actual} does not exist (set it to an existing model, or unset it to use the default model)`);
    }
  }
  log.info('default models missing: downloading them once (npm run models:pull does the same)');
  await pullModels({
    chatPath: config.models.chat,
    embedDir: config.models.embed,
    chat: missingChat,
    embed: missingEmbed,
    progress: (label) => createProgressReporter(label),
    say: (line) => process.stderr.write(`${line}\n`),
  });
}
