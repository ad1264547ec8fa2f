/** Routes kafkajs's own log lines into our pino logger, with their namespace and fields. */
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../log.ts';

/**
 * Warnings we chose to accept, logged at debug. The producer's own retries are bounded so close()
 * cannot hang on a dead broker; the buffer retries on top, so a record may be written twice, which
 * consumers absorb (they are idempotent by event id).
 */
const ACCEPTED = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

export function pinoLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _t, logger: _l, ...extra } = entry;
      const line = log.child({ kafkajs: namespace });
      switch (ACCEPTED.has(message) ? logLevel.DEBUG : level) {
        case logLevel.ERROR:
          return line.error(extra, message);
        case logLevel.WARN:
          return line.warn(extra, message);
        case logLevel.INFO:
          return line.info(extra, message);
        default:
          return line.debug(extra, message);
      }
    };
}

/** Our level as kafkajs's, so kafkajs does not even format lines pino would drop. */
export function kafkaLogLevel(log: Logger): logLevel {
  switch (log.level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}
