/** The error a bad setting stops the process with; its message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
