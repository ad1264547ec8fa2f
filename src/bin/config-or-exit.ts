/**
 * The configuration for an entrypoint: a bad setting ends the process with exit code 2 and the
 * message naming the variable, never a stack trace. Entrypoints only; library code takes a Config.
 */
import { ConfigError, loadConfig, type Config } from '../config.ts';

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
