// Analytics page: draws every canvas.analytics-chart with chart.js (served locally) from the JSON in
// its data-chart attribute, by its data-kind, again whenever htmx swaps in a refreshed panel.
// Readable without colour: bars carry patterns (stripes, dots), lines differ by dash and marker,
// axes and legends are labelled, and each chart has a "Show as a table" alternative in the page.
/* global Chart */

const BLUE = '#4f6df5';
const ORANGE = '#d97706';
const RED = '#c2410c';
const GREEN = '#15803d';
const GREY = '#6b7280';
const TEAL = '#0f766e';

/** A fill with a pattern drawn over the colour: 'stripes', 'dots' or 'cross'. */
function pattern(color, kind) {
  const c = document.createElement('canvas');
  c.width = 10;
  c.height = 10;
  const g = c.getContext('2d');
  g.fillStyle = color;
  g.fillRect(0, 0, 10, 10);
  g.strokeStyle = 'rgba(255,255,255,0.75)';
  g.fillStyle = 'rgba(255,255,255,0.8)';
  g.lineWidth = 2;
  if (kind === 'stripes') {
    g.beginPath();
    g.moveTo(0, 10);
    g.lineTo(10, 0);
    g.moveTo(-2, 2);
    g.lineTo(2, -2);
    g.moveTo(8, 12);
    g.lineTo(12, 8);
    g.stroke();
  } else if (kind === 'dots') {
    g.beginPath();
    g.arc(5, 5, 1.8, 0, 2 * Math.PI);
    g.fill();
  } else if (kind === 'cross') {
    g.beginPath();
    g.moveTo(0, 5);
    g.lineTo(10, 5);
    g.moveTo(5, 0);
    g.lineTo(5, 10);
    g.stroke();
  }
  return g.createPattern(c, 'repeat');
}

const base = (yTitle) => ({
  animation: false,
  maintainAspectRatio: false,
  interaction: { mode: 'index', intersect: false },
  plugins: { legend: { position: 'bottom', labels: { usePointStyle: true } } },
  scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } },
});

/**
 * Two bar series side by side, each given as [label, values]: the first solid blue, the second
 * orange with stripes, so the pair reads apart without colour.
 */
const pairedBars = (labels, [firstLabel, first], [secondLabel, second], options) => ({
  type: 'bar',
  data: {
    labels,
    datasets: [
      { label: firstLabel, data: first, backgroundColor: BLUE, borderColor: BLUE, borderWidth: 1 },
      { label: secondLabel, data: second, backgroundColor: pattern(ORANGE, 'stripes'), borderColor: ORANGE, borderWidth: 1 },
    ],
  },
  options,
});

/** The stage the latency-over-time chart shows; kept across the panel's refreshes. */
let latencyStage = 'total';

const builders = {
  latency: (d) => pairedBars(d.labels, ['p50 (median)', d.p50], ['p95', d.p95], base('milliseconds')),
  satisfaction: (d) => {
    const o = base('votes');
    o.scales.y.stacked = true;
    o.scales.y.ticks = { precision: 0 };
    o.scales.x = { stacked: true };
    o.scales.y2 = { position: 'right', min: 0, max: 100, title: { display: true, text: 'satisfaction %' }, grid: { drawOnChartArea: false } };
    return {
      type: 'bar',
      data: {
        labels: d.labels,
        datasets: [
          { type: 'line', label: 'Satisfaction %', data: d.satisfaction, yAxisID: 'y2', borderColor: GREY, backgroundColor: GREY, pointStyle: 'rectRot', pointRadius: 4, spanGaps: true, order: 0 },
          { label: 'Up votes', data: d.up, backgroundColor: pattern(GREEN, 'dots'), borderColor: GREEN, borderWidth: 1, stack: 'v', order: 1 },
          { label: 'Down votes', data: d.down, backgroundColor: pattern(RED, 'stripes'), borderColor: RED, borderWidth: 1, stack: 'v', order: 1 },
        ],
      },
      options: o,
    };
  },
  // One stage at a time (chosen with the radio buttons above the chart): p50 solid with round
  // markers, p95 dashed with triangles, so the two read apart without colour.
  'latency-series': (d) => {
    const s = d.stages.find((x) => x.key === latencyStage) ?? d.stages[0];
    const o = base(`${s.label.toLowerCase()}, milliseconds`);
    return {
      type: 'line',
      data: {
        labels: d.labels,
        datasets: [
          { label: `${s.label} p50 (median)`, data: s.p50, borderColor: BLUE, backgroundColor: BLUE, pointStyle: 'circle', pointRadius: 3, borderWidth: 2, spanGaps: true },
          { label: `${s.label} p95`, data: s.p95, borderColor: ORANGE, backgroundColor: ORANGE, pointStyle: 'triangle', pointRadius: 4, borderWidth: 2, borderDash: [6, 4], spanGaps: true },
        ],
      },
      options: o,
    };
  },
  tokens: (d) => ({
    type: 'line',
    data: { labels: d.labels, datasets: [{ label: 'Tokens / s (mean)', data: d.tps, borderColor: TEAL, backgroundColor: TEAL, pointStyle: 'circle', pointRadius: 3, spanGaps: true }] },
    options: base('tokens per second'),
  }),
  sentiment: (d) => {
    const o = base('count');
    o.scales.y.ticks = { precision: 0 };
    o.scales.x = { title: { display: true, text: 'AFINN comparative score (0 = neutral)' } };
    return pairedBars(d.labels, ['Questions', d.questions], ['Answers', d.answers], o);
  },
  'satisfaction-sentiment': (d) => {
    const o = base('satisfaction %');
    o.scales.y.max = 100;
    o.scales.x = { title: { display: true, text: 'answer sentiment (AFINN comparative)' } };
    o.plugins.tooltip = { callbacks: { afterLabel: (ctx) => `${d.votes[ctx.dataIndex]} votes` } };
    return {
      type: 'bar',
      data: { labels: d.labels.map((l, i) => [l, `${d.votes[i]} votes`]), datasets: [{ label: 'Satisfaction %', data: d.satisfaction, backgroundColor: pattern(GREEN, 'dots'), borderColor: GREEN, borderWidth: 1 }] },
      options: o,
    };
  },
};

function draw() {
  if (typeof Chart === 'undefined') return;
  // Charts whose canvas a refresh removed are destroyed (they hold observers and timers).
  for (const chart of Object.values(Chart.instances)) if (!chart.canvas.isConnected) chart.destroy();
  for (const canvas of document.querySelectorAll('canvas.analytics-chart')) {
    if (canvas.dataset.drawn === 'true') continue;
    const build = builders[canvas.dataset.kind];
    if (!build) continue;
    canvas.dataset.drawn = 'true';
    new Chart(canvas, build(JSON.parse(canvas.dataset.chart)));
  }
}

// Choosing a stage redraws that chart alone.
document.addEventListener('change', (e) => {
  const input = e.target;
  if (!input || input.tagName !== 'INPUT' || input.name !== 'latency-stage') return;
  latencyStage = input.value;
  const canvas = document.querySelector('canvas[data-kind="latency-series"]');
  if (!canvas) return;
  Chart.getChart(canvas)?.destroy();
  canvas.dataset.drawn = 'false';
  draw();
});

/** A refreshed panel comes with the default stage checked: check the reader's choice again. */
function restoreStage() {
  const input = document.querySelector(`input[name="latency-stage"][value="${latencyStage}"]`);
  if (input && !input.checked) input.checked = true;
}

// A refreshed panel replaces the old canvases; the old charts go with them. A refresh also keeps
// open the "Show as a table" boxes the reader had opened.
const openTables = new Set();
document.addEventListener('toggle', (e) => {
  const d = e.target;
  if (!d || d.tagName !== 'DETAILS' || !d.classList.contains('chart-table')) return;
  const key = d.closest('figure')?.querySelector('canvas')?.dataset.kind;
  if (!key) return;
  if (d.open) openTables.add(key);
  else openTables.delete(key);
}, true);
new MutationObserver(() => {
  for (const key of openTables) {
    const d = document.querySelector(`canvas[data-kind="${key}"]`)?.closest('figure')?.querySelector('details.chart-table');
    if (d && !d.open) d.open = true;
  }
  restoreStage();
  draw();
}).observe(document.body, { childList: true, subtree: true });
draw();

// The collection, user and channel selects submit their form on change (the Show button is there for no-script use).
document.addEventListener('change', (e) => {
  const form = e.target.closest?.('form.collection-filter');
  if (form && ['collection', 'user', 'channel'].includes(e.target.name)) form.requestSubmit();
});
