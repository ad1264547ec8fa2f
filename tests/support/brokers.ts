/**
 * Real brokers for the integration tier. The tests FAIL (never skip) with a message saying how to
 * start a broker when it is not reachable. Addresses come from AMQP_URL / KAFKA_BROKERS, defaulting
 * to the local brokers of scripts/brokers/*.sh.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);

export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);

/** Throws with instructions when RabbitMQ does not accept a connection within a few seconds. */
export async function requireRabbit(): Promise<void> {
  try {
    const conn = await amqp.connect(AMQP_URL, { timeout: 3000 });
    await conn.close();
  } catch (err) {
    throw new Error(
      `RabbitMQ is not reachable at ${AMQP_URL} (${err instanceof Error ? err.message : String(err)}). ` +
        'Start it with `bash scripts/brokers/rabbitmq.sh start` or point AMQP_URL at a broker.',
    );
  }
}

/** Throws with instructions when Kafka does not answer a metadata request within a few seconds. */
export async function requireKafka(): Promise<void> {
  const admin = new Kafka({ clientId: 'docent-test-probe', brokers: KAFKA_BROKERS, connectionTimeout: 3000, logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (err) {
    throw new Error(
      `Kafka is not reachable at ${KAFKA_BROKERS.join(',')} (${err instanceof Error ? err.message : String(err)}). ` +
        'Start it with `bash scripts/brokers/kafka.sh start` or point KAFKA_BROKERS at a broker.',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Closes, on the broker side, every connection whose client-provided name is `connectionName`, as a
 * broker restart or an operator would. Only our own connection: other tests share the broker.
 * Returns how many were closed. (The plain table output is parsed because close_connection needs
 * the pid in Erlang form, which the JSON formatter does not print.)
 */
export async function forceCloseRabbitConnections(connectionName: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(connectionName))
    .map((line) => line.split('\t')[0]?.trim() ?? '')
    .filter((pid) => pid.startsWith('<'));
  for (const pid of pids) await run('rabbitmqctl', ['-q', 'close_connection', pid, 'integration test: forced close']);
  return pids.length;
}

/** Sends a raw (possibly non-JSON) body to a queue, bypassing the adapter's encoder. */
export async function sendRawToQueue(queue: string, content: Buffer): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(queue, content, { persistent: true, messageId: 'raw-1' });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

/** Deletes what a test declared under `prefix` (work and dead queues, exchanges), so runs leave no litter. */
export async function deleteRabbitPrefix(prefix: string): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    for (const name of ['answer.requests', 'ingest.jobs']) {
      for (const queue of [`${prefix}${name}`, `${prefix}${name}.dead`]) {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        await ch.deleteQueue(queue).catch(() => undefined);
        await ch.close().catch(() => undefined);
      }
    }
    for (const exchange of ['dlx', 'ingest.events', 'index.updates', 'answer.cancels']) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.deleteExchange(`${prefix}${exchange}`).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
  } finally {
    await conn.close();
  }
}
