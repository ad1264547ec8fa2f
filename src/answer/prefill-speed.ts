/**
 * This worker's measured prefill speed: prompt tokens per second from the start of a generation to
 * its first token, as an exponential moving average over its recent answers. It turns the next
 * prompt's token count into the "about 3 s" the asker sees before the first token (`reading` reply).
 * Before any measurement there is no estimate (null), never a guess.
 */

/** Weight of the newest measurement: recent answers dominate, one odd answer does not. */
const ALPHA = 0.3;

export class PrefillSpeed {
  private tokensPerMs: number | undefined;

  /** Records one generation's prefill: `promptTokens` evaluated before its first token after `firstTokenMs`. */
  measured(promptTokens: number, firstTokenMs: number): void {
    if (!(promptTokens > 0) || !(firstTokenMs > 0) || !Number.isFinite(firstTokenMs)) return;
    const speed = promptTokens / firstTokenMs;
    this.tokensPerMs = this.tokensPerMs === undefined ? speed : ALPHA * speed + (1 - ALPHA) * this.tokensPerMs;
  }

  /** Ms until the first token of a prompt this long, or null before any measurement. */
  estimateMs(promptTokens: number): number | null {
    return this.tokensPerMs === undefined ? null : Math.round(promptTokens / this.tokensPerMs);
  }
}
