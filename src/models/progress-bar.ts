/**
 * Download progress for a terminal: a cli-progress bar with bytes, speed and ETA; on a pipe
 * (CI logs) one plain line per 10% instead of a redrawn bar.
 */
import cliProgress from 'cli-progress';
import type { DownloadProgress } from './download.ts';

export interface ProgressReporter {
  update(p: DownloadProgress): void;
  stop(): void;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function createProgressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const started = Date.now();
  const speed = (p: DownloadProgress) => (p.received - p.resumedFrom) / Math.max((Date.now() - started) / 1000, 0.001);

  if (!stream.isTTY) {
    let lastDecile = -1;
    return {
      update(p) {
        if (!p.total) return;
        const decile = Math.floor((p.received / p.total) * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${label}: ${decile * 10}% ${formatBytes(p.received)}/${formatBytes(p.total)} ${formatBytes(speed(p))}/s\n`);
      },
      stop() {},
    };
  }

  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {done}/{size} | {speed}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update(p) {
      const payload = { done: formatBytes(p.received), size: p.total ? formatBytes(p.total) : '?', speed: formatBytes(speed(p)) };
      if (!running) {
        bar.start(p.total ?? 0, p.received, payload);
        running = true;
      } else {
        bar.update(p.received, payload);
      }
    },
    stop() {
      if (running) bar.stop();
    },
  };
}
