/**
 * The analytics page in Chromium, on a realistic sample store (no models needed): the latency-over-
 * time chart shows one stage at a time (p50 solid, p95 dashed), the stage selector switches it,
 * and the choice survives the panel's 5-second refresh. Saves a screenshot of the chart
 * ($TMPDIR/docent-analytics-latency.png) for a person to look at.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { AnalyticsStore } from '../../src/analytics/store.ts';
import { sampleAnalyticsStore } from '../support/analytics-sample.ts';
import { launchChromium } from '../support/e2e-service.ts';
import { startTestServer, type TestServer } from '../support/fake-services.ts';

let browser: Browser | undefined;
let srv: TestServer | undefined;
let store: AnalyticsStore | undefined;

before(async () => {
  const now = Date.now();
  store = sampleAnalyticsStore(now, 400);
  srv = await startTestServer();
  const s = store;
  srv.services.summaryFor = (range) => s.summary(range, Date.now());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  store?.close();
});

interface Drawn {
  labels: string[];
  dashed: boolean[];
  markers: unknown[];
}

void it('latency over time: one stage at a time, p95 dashed, the choice kept across refreshes', { timeout: 120_000 }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${srv!.url}/analytics?range=day`);
  const drawn = (): Promise<Drawn | null> =>
    page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-kind="latency-series"]');
      const chart = (window as unknown as { Chart: { getChart(c: Element): { data: { datasets: Array<{ label: string; borderDash?: number[]; pointStyle?: unknown }> } } | undefined } }).Chart.getChart(canvas!);
      if (!chart) return null;
      const ds = chart.data.datasets;
      return { labels: ds.map((d) => d.label), dashed: ds.map((d) => (d.borderDash ?? []).length > 0), markers: ds.map((d) => d.pointStyle) };
    });
  await page.waitForFunction(() => document.querySelector('canvas[data-kind="latency-series"]')?.getAttribute('data-drawn') === 'true');
  assert.deepEqual(await drawn(), { labels: ['Total p50 (median)', 'Total p95'], dashed: [false, true], markers: ['circle', 'triangle'] });
  assert.equal(await page.isChecked('input[name="latency-stage"][value="total"]'), true);

  await page.click('label:has(input[name="latency-stage"][value="generation"])');
  await page.waitForFunction(() => document.querySelector('canvas[data-kind="latency-series"]')?.getAttribute('data-drawn') === 'true');
  assert.deepEqual((await drawn())?.labels, ['Generation p50 (median)', 'Generation p95']);

  // The panel refreshes every 5 s with a new canvas; the chosen stage stays.
  const marker = await page.evaluate(() => {
    const panel = document.getElementById('analytics-panel')!;
    panel.dataset.old = 'yes';
    return true;
  });
  assert.ok(marker);
  await page.waitForFunction(() => document.getElementById('analytics-panel')?.dataset.old !== 'yes', undefined, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('canvas[data-kind="latency-series"]')?.getAttribute('data-drawn') === 'true');
  assert.equal(await page.isChecked('input[name="latency-stage"][value="generation"]'), true);
  assert.deepEqual((await drawn())?.labels, ['Generation p50 (median)', 'Generation p95']);

  // The table alternative still has every stage.
  const head = await page.textContent('figure:has(canvas[data-kind="latency-series"]) details.chart-table thead');
  for (const stage of ['Total', 'First token', 'Generation', 'Retrieval', 'Queue wait']) assert.match(head ?? '', new RegExp(`${stage} p95`));

  const file = path.join(os.tmpdir(), 'docent-analytics-latency.png');
  await page.locator('figure:has(canvas[data-kind="latency-series"])').screenshot({ path: file });
  assert.ok(fs.statSync(file).size > 5000, 'a screenshot with content');
  assert.deepEqual(errors, []);
  await page.close();
});
