/**
 * The metrics port: what the core's handlers report as they work. The Prometheus adapter
 * (src/metrics/prometheus-metrics.ts) turns it into counters and histograms; `NO_METRICS` drops
 * everything (handlers built without metrics, e.g. in tests and CLIs). Every call is a counter
 * increment or a histogram observation: nothing here may cost more on the hot path.
 * Gauges read at scrape time (queue depth, consumer lag, index size) are wired by the roles
 * straight to the adapter, not through the core.
 */
import type { Timings } from '../contracts/answer.ts';

/**
 * How one delivery of an answer request ended: `answered`; `failed` (error reply); `cancelled`
 * (the asker stopped it); `timed_out` (deadline during generation); `expired` (deadline passed in
 * the queue); `requeued` (handed back for another try); `rejected` (malformed, dead-lettered).
 */
export type AnswerOutcome = 'answered' | 'failed' | 'cancelled' | 'timed_out' | 'expired' | 'requeued' | 'rejected';

/**
 * How one upload's ingest job ended: `ready` (indexed); `failed` (the document failed);
 * `retried` (handed back after an infrastructure failure); `waiting_for_reindex`; `rejected`
 * (malformed job, dead-lettered).
 */
export type IngestOutcome = 'ready' | 'failed' | 'retried' | 'waiting_for_reindex' | 'rejected';

export interface AnswerMetrics {
  answerEnded(outcome: AnswerOutcome): void;
  /** An answered question's stage timings and generated tokens. */
  answerTimed(timings: Timings, completionTokens: number): void;
}

export interface IngestMetrics {
  /** `seconds`: from the job's pick-up to its end, when it got that far. */
  ingestEnded(outcome: IngestOutcome, seconds?: number): void;
}

export interface AnalyticsMetrics {
  /** A Kafka record the analytics consumer could not use went to the dead-letter topic. */
  analyticsDeadLettered(topic: string): void;
}

export interface Metrics extends AnswerMetrics, IngestMetrics, AnalyticsMetrics {}

export const NO_METRICS: Metrics = {
  answerEnded: () => undefined,
  answerTimed: () => undefined,
  ingestEnded: () => undefined,
  analyticsDeadLettered: () => undefined,
};
