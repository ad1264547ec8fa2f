/**
 * What a set of buckets adds up to: the merge of bucket rows (sums add, min/max combine, latency
 * histograms and sentiment bins add bin by bin) into one total, and what the summary derives from
 * it (latency percentiles from the histograms, satisfaction, mean tokens per second). The summary
 * (./summary.ts) makes one for a range's totals and one per series point.
 */
import type { AnalyticsSummary } from '../contracts/analytics-summary.ts';
import { STAGES, TPS_SCALE, histogramPercentile, stageStem as stem, type Aggregator, type Stage } from './buckets.ts';

/** Starts empty; bucket rows, histogram bins and sentiment bins are added to it in any order. */
export class Totals {
  answers = 0;
  up = 0;
  down = 0;
  qSum = 0;
  aSum = 0;
  tpsSum = 0;
  tpsN = 0;
  /** Answers with at least one source the prompt-injection guard flagged. */
  flagged = 0;
  readonly min = new Map<Stage, number>();
  readonly max = new Map<Stage, number>();
  readonly latency = new Map<Stage, Map<number, number>>(STAGES.map((s) => [s, new Map()]));
  /** key kind|bin */
  readonly sentiment = new Map<string, { n: number; up: number; down: number }>();

  addBucket(r: Record<string, number | null>): void {
    this.answers += r.answers ?? 0;
    this.up += r.up ?? 0;
    this.down += r.down ?? 0;
    this.qSum += r.q_sum ?? 0;
    this.aSum += r.a_sum ?? 0;
    this.tpsSum += r.tps_sum ?? 0;
    this.tpsN += r.tps_n ?? 0;
    this.flagged += r.flagged ?? 0;
    for (const s of STAGES) {
      const lo = r[`min_${stem(s)}`];
      const hi = r[`max_${stem(s)}`];
      if (lo !== null && lo !== undefined) this.min.set(s, Math.min(this.min.get(s) ?? lo, lo));
      if (hi !== null && hi !== undefined) this.max.set(s, Math.max(this.max.get(s) ?? hi, hi));
    }
  }

  addLatency(stage: Stage, bin: number, n: number): void {
    const h = this.latency.get(stage)!;
    h.set(bin, (h.get(bin) ?? 0) + n);
  }

  addSentiment(kind: string, bin: number, c: { n: number; up: number; down: number }): void {
    const key = `${kind}|${bin}`;
    const cur = this.sentiment.get(key) ?? { n: 0, up: 0, down: 0 };
    this.sentiment.set(key, { n: cur.n + c.n, up: cur.up + c.up, down: cur.down + c.down });
  }

  /** Adds an in-memory Aggregator with one pseudo-level (the raw answers at a range's edge). */
  addAggregator(agg: Aggregator): void {
    for (const b of agg.buckets.values()) {
      const row: Record<string, number | null> = { answers: b.answers, up: b.up, down: b.down, q_sum: b.qSum, a_sum: b.aSum, tps_sum: b.tpsSum, tps_n: b.tpsN, flagged: b.flagged };
      for (const s of STAGES) {
        row[`min_${stem(s)}`] = b.min[s] ?? null;
        row[`max_${stem(s)}`] = b.max[s] ?? null;
      }
      this.addBucket(row);
    }
    for (const [key, n] of agg.latency) {
      const [, , stage, bin] = key.split('|');
      this.addLatency(stage as Stage, Number(bin), n);
    }
    for (const [key, c] of agg.sentiment) {
      const [, , kind, bin] = key.split('|');
      this.addSentiment(kind!, Number(bin), c);
    }
  }

  percentiles(stage: Stage): { p50: number | null; p95: number | null } {
    const h = this.latency.get(stage)!;
    const lo = this.min.get(stage) ?? null;
    const hi = this.max.get(stage) ?? null;
    return { p50: histogramPercentile(h, 0.5, lo, hi), p95: histogramPercentile(h, 0.95, lo, hi) };
  }

  latencyMs(): AnalyticsSummary['latencyMs'] {
    return {
      total: this.percentiles('total'),
      queueWait: this.percentiles('queueWait'),
      retrieval: this.percentiles('retrieval'),
      firstToken: this.percentiles('firstToken'),
      generation: this.percentiles('generation'),
    };
  }

  satisfaction(): number | null {
    return this.up + this.down === 0 ? null : this.up / (this.up + this.down);
  }

  tokensPerSecond(): number | null {
    return this.tpsN === 0 ? null : this.tpsSum / TPS_SCALE / this.tpsN;
  }
}
