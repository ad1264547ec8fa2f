/** The real brokers the integration tier talks to; unset variables fall back to the CI defaults. */
export function brokerUrls(): { amqpUrl: string; kafkaBrokers: string } {
  return {
    amqpUrl: process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
    kafkaBrokers: process.env.KAFKA_BROKERS || '127.0.0.1:9092',
  };
}

/** The broker settings of a role process on the real brokers, its queues and topics under `prefix`. */
export function brokerRoleEnv(prefix: string): Record<string, string> {
  const { amqpUrl, kafkaBrokers } = brokerUrls();
  return { AMQP_URL: amqpUrl, AMQP_PREFIX: prefix, KAFKA_BROKERS: kafkaBrokers, KAFKA_PREFIX: prefix };
}
