/** The real brokers the integration tier talks to; unset variables fall back to the CI defaults. */
export function brokerUrls(): { amqpUrl: string; kafkaBrokers: string } {
  return {
    amqpUrl: process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
    kafkaBrokers: process.env.KAFKA_BROKERS || '127.0.0.1:9092',
  };
}
