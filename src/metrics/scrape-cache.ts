/**
 * A read done at scrape time (a RabbitMQ queue check, a Kafka offset fetch), shared by the gauges
 * that show it and kept for a short while: several gauges, or Prometheus servers scraping close
 * together, cost the broker one round trip. A failed read is not kept.
 */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const t = now();
    if (last && t - last.at < ttlMs) return last.value;
    const value = read();
    const entry = { at: t, value };
    last = entry;
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}
