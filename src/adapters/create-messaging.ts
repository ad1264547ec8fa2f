/**
 * Chooses the messaging adapters from configuration (DESIGN.md section 2): RabbitMQ when AMQP_URL is
 * set, Kafka when KAFKA_BROKERS is set, the in-process adapters otherwise, and says which at
 * start-up. The broker clients are imported only when chosen, so `npm start` never loads them.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import { createMemoryEventLog } from './memory/event-log.ts';
import { createMemoryMessageBus } from './memory/message-bus.ts';

export interface Messaging {
  bus: MessageBus;
  events: EventLog;
}

/**
 * Builds the bus and the event log for this process. The in-process pair must be shared by every
 * role of the process (all-in-one mode), so call this once and pass the result around.
 */
export async function createMessaging(config: Config, logger: Logger): Promise<Messaging> {
  const bus = await createBus(config, logger);
  try {
    const events = await createEvents(config, logger);
    logger.info({ bus: bus.kind, events: events.kind }, `messaging: bus=${bus.kind} events=${events.kind}`);
    return { bus, events };
  } catch (err) {
    await bus.close();
    throw err;
  }
}

async function createBus(config: Config, logger: Logger): Promise<MessageBus> {
  const { url, prefix, answerQueueMaxLength } = config.amqp;
  if (!url) return createMemoryMessageBus({ answerQueueMaxLength, logger: logger.child({ adapter: 'memory-bus' }) });
  const { createRabbitMessageBus } = await import('./rabbitmq/message-bus.ts');
  return createRabbitMessageBus({ url, prefix, answerQueueMaxLength, logger: logger.child({ adapter: 'rabbitmq' }) });
}

async function createEvents(config: Config, logger: Logger): Promise<EventLog> {
  const { brokers, clientId, prefix } = config.kafka;
  if (!brokers) return createMemoryEventLog({ logger: logger.child({ adapter: 'memory-event-log' }) });
  const { createKafkaEventLog } = await import('./kafka/event-log.ts');
  return createKafkaEventLog({ brokers, clientId, prefix, logger: logger.child({ adapter: 'kafka' }) });
}
