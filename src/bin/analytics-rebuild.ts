/**
 * Entrypoint: `npm run analytics:rebuild [-- --out FILE]` replays the Kafka topics from the start
 * into a fresh analytics store and prints its counts. Without --out the live store
 * (DATA_DIR/analytics.db) is replaced atomically; stop the analytics consumer first.
 */
import { parseArgs } from 'node:util';
import { createKafkaEventLog } from '../adapters/kafka/event-log.ts';
import { rebuildAnalyticsStore } from '../analytics/rebuild.ts';
import { analyticsDbPath } from '../analytics/store.ts';
import { createRootLogger } from '../log.ts';
import { configOrExit } from './config-or-exit.ts';

const config = configOrExit();
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const { brokers, clientId, prefix } = config.kafka;
if (!brokers) {
  process.stderr.write('analytics:rebuild replays the Kafka topics: set KAFKA_BROKERS\n');
  process.exit(2);
}
const log = createRootLogger(config.log.level, 'analytics-rebuild');
const events = await createKafkaEventLog({ brokers, clientId, prefix, logger: log.child({ adapter: 'kafka' }) });
try {
  const r = await rebuildAnalyticsStore({ events, target: values.out ?? analyticsDbPath(config.paths.data), logger: log });
  process.stdout.write(
    `rebuilt ${r.target}: answers ${r.answers}, votes up ${r.votes.up} down ${r.votes.down}, ` +
      `events ${r.events} from ${r.records} records in ${(r.ms / 1000).toFixed(1)} s\n`,
  );
} catch (err) {
  process.stderr.write(`analytics:rebuild failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  await events.close();
}
