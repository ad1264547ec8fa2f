/**
 * Time ranges of the analytics summary: "answers whose qa event time is within the last hour / day /
 * week of now" (`all`: everything). Only a lower bound: an event stamped slightly in the future by
 * a worker with a fast clock still counts.
 */
import type { AnalyticsRange } from '../contracts/analytics-summary.ts';

export const RANGE_MS: Record<Exclude<AnalyticsRange, 'all'>, number> = {
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Epoch ms where the range starts; `all` starts before any real timestamp. */
export function rangeStart(range: AnalyticsRange, now: number): number {
  return range === 'all' ? Number.MIN_SAFE_INTEGER : now - RANGE_MS[range];
}
